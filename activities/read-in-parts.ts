import type { TimeWindow } from '../lib/capital/broker-time';
import { queryBounds } from '../lib/capital/broker-time';
import { CapitalRequestError } from '../lib/capital/errors';
import { judgeWindow, partsAfterFullAnswer, type GapPolicy } from '../lib/ledger/gap-detection';
import type { WindowRequest } from '../lib/store/transactions';
import { heartbeat } from './heartbeat';

/** One history endpoint as gap detection reads it. */
export interface HistorySource<Row> {
  path: NonNullable<WindowRequest['path']>;
  /** Query parameters besides the bounds (recorded in the trace with every request). */
  query: { type?: string; filter?: string };
  /** The rows of exactly [fromMs, toMs), oldest first; `undefined` when the broker refuses the range as too wide. */
  read(part: TimeWindow): Promise<Row[] | undefined>;
  timeOf(row: Row): number;
}

export interface PartsRead<Row> {
  rows: Row[];
  requests: WindowRequest[];
  /** Parts still full at the minimum span: the broker may have left rows out there. */
  truncated: string[];
}

/** A refused range is an answer gap detection acts on (split and re-read), not a failure. */
export function refusedAsTooWide(error: unknown): boolean {
  return error instanceof CapitalRequestError && error.code === 'error.invalid.daterange';
}

/**
 * Reads one window from a history endpoint, re-reading in parts wherever an answer may have been
 * cut off (see gap-detection.ts). Depth first, so the rows come out in time order. Every request
 * and its verdict is kept for the run's proof trace.
 */
export async function readInParts<Row>(window: TimeWindow, source: HistorySource<Row>, policy: GapPolicy): Promise<PartsRead<Row>> {
  const read: PartsRead<Row> = { rows: [], requests: [], truncated: [] };
  const queue: TimeWindow[] = [window];
  while (queue.length > 0) {
    if (read.requests.length >= policy.maxRequests) throw new Error(`window needed more than ${policy.maxRequests} requests; raise gapPolicy.maxRequests`);
    const part = queue.shift() as TimeWindow;
    const rows = await source.read(part);
    const verdict = judgeWindow(part, rows ? { rows: rows.length } : { refusedAsTooWide: true }, policy);
    read.requests.push({ path: source.path, fromMs: part.fromMs, toMs: part.toMs, query: { ...queryBounds(part), ...source.query }, rows: rows?.length ?? 0, verdict: verdict.kind });
    heartbeat({ path: source.path, requests: read.requests.length });
    if (verdict.kind === 'split') {
      queue.unshift(...(rows ? partsAfterFullAnswer(part, rows.map(source.timeOf), verdict.halves, policy) : verdict.halves));
      continue;
    }
    if (verdict.kind === 'possibly-truncated') read.truncated.push(`${source.path} ${new Date(part.fromMs).toISOString()}..${new Date(part.toMs).toISOString()}: ${verdict.reason}`);
    if (rows) read.rows.push(...rows);
  }
  return read;
}
