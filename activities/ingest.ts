import { createHash } from 'node:crypto';
import type { CapitalClient } from '../lib/capital';
import { parseBrokerUtc, queryBounds, type TimeWindow } from '../lib/capital/broker-time';
import { CapitalRequestError } from '../lib/capital/errors';
import { collectTransportEvents } from '../lib/capital/event-scope';
import { DEFAULT_GAP_POLICY, judgeWindow, type GapPolicy } from '../lib/ledger/gap-detection';
import { normaliseRows } from '../lib/ledger/normalise';
import { saveIngested, saveWindowTrace, type QuarantineDocument, type TransactionDocument, type WindowTraceDocument } from '../lib/store/transactions';
import { withCapitalFailures } from './capital-failures';
import type { ActivityDeps } from './deps';
import { heartbeat } from './heartbeat';

export interface IngestDeps extends ActivityDeps {
  /** The Capital.com client acting for a broker account (shared per account in a worker). */
  capitalFor(accountId: string): CapitalClient;
  gapPolicy?: GapPolicy;
}

export interface IngestWindowInput {
  runId: string;
  accountId: string;
  windowIndex: number;
  fromMs: number;
  toMs: number;
  /** Only these transaction types (one read per type, the API's `type` filter); all when absent. */
  types?: string[];
}

/** What ingestion counts, per window and summed per run. */
export interface IngestCounts {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  requests: number;
  retries: number;
  sessionRenewals: number;
  possiblyTruncated: number;
}

/** What a window's ingestion returns to the workflow: counts and a digest, never rows. */
export interface IngestWindowResult extends IngestCounts {
  windowIndex: number;
  /** SHA-256 over the window's record keys and raw digests: equal digests, equal data. */
  digest: string;
}

type Page = Awaited<ReturnType<CapitalClient['transactionsInWithRaw']>>;

/**
 * Parts re-read after a full answer aim at this share of the suspect row count: near enough to
 * need few requests, far enough below it for rows a cut-off answer may have left out.
 */
const PART_FILL = 0.9;

/**
 * Where to re-read a part whose answer was full. Halving again and again throws away every full
 * answer on the way down (a busy day cost 2-3× its rows in requests); the answer's own rows show
 * where the rows are, so the part is cut before every `PART_FILL × suspectRowCount`-th of them,
 * on whole seconds (the broker's precision) and no narrower than the policy's minimum span. If
 * that leaves a part over half the window, the answer may have been cut off at one end: halve.
 * The rows only place the cuts; every part is read and judged again.
 */
export function partsAfterFullAnswer(part: TimeWindow, rowTimesMs: readonly number[], halves: [TimeWindow, TimeWindow], policy: GapPolicy): TimeWindow[] {
  const target = Math.max(1, Math.floor(policy.suspectRowCount * PART_FILL));
  const minimumSpanMs = Math.ceil(policy.minimumSpanMs / 1000) * 1000;
  const bounds = [part.fromMs];
  // `first` is the first row of the part being built; each cut falls before row `first + target`.
  for (let first = 0; first + target < rowTimesMs.length; ) {
    const cut = Math.max(Math.floor((rowTimesMs[first + target] as number) / 1000) * 1000, (bounds[bounds.length - 1] as number) + minimumSpanMs);
    if (cut > part.toMs - minimumSpanMs) break;
    bounds.push(cut);
    while (first < rowTimesMs.length && (rowTimesMs[first] as number) < cut) first++;
  }
  bounds.push(part.toMs);
  const parts = bounds.slice(1).map((toMs, i) => ({ fromMs: bounds[i] as number, toMs }));
  const halfMs = (part.toMs - part.fromMs) / 2;
  return parts.length < 2 || parts.some((p) => p.toMs - p.fromMs > halfMs) ? halves : parts;
}

export function createIngestActivities(deps: IngestDeps) {
  const policy = deps.gapPolicy ?? DEFAULT_GAP_POLICY;

  /** Reads one window, re-reading in parts wherever an answer may have been cut off. */
  async function readWindow(client: CapitalClient, window: TimeWindow, type?: string) {
    const requests: WindowTraceDocument['requests'] = [];
    const truncated: string[] = [];
    const pages: Page[] = [];
    const queue: TimeWindow[] = [window];
    while (queue.length > 0) {
      if (requests.length >= policy.maxRequests) throw new Error(`window needed more than ${policy.maxRequests} requests; raise gapPolicy.maxRequests`);
      const part = queue.shift() as TimeWindow;
      let page: Page | undefined;
      try {
        page = await client.transactionsInWithRaw(part, type);
      } catch (error) {
        if (!(error instanceof CapitalRequestError && error.code === 'error.invalid.daterange')) throw error;
      }
      const verdict = judgeWindow(part, page ? { rows: page.rows.length } : { refusedAsTooWide: true }, policy);
      requests.push({ fromMs: part.fromMs, toMs: part.toMs, query: { ...queryBounds(part), ...(type ? { type } : {}) }, rows: page?.rows.length ?? 0, verdict: verdict.kind });
      heartbeat({ requests: requests.length });
      if (verdict.kind === 'split') {
        const parts = page ? partsAfterFullAnswer(part, page.rows.map((row) => parseBrokerUtc(row.dateUtc) as number), verdict.halves, policy) : verdict.halves;
        queue.unshift(...parts); // depth first keeps the rows in time order
        continue;
      }
      if (verdict.kind === 'possibly-truncated') truncated.push(`${new Date(part.fromMs).toISOString()}..${new Date(part.toMs).toISOString()}: ${verdict.reason}`);
      if (page) pages.push(page);
    }
    return { rows: pages.flatMap((p) => p.rows), raw: pages.flatMap((p) => p.raw), requests, truncated };
  }

  async function ingestWindow(input: IngestWindowInput): Promise<IngestWindowResult> {
    const client = deps.capitalFor(input.accountId);
    const window = { fromMs: input.fromMs, toMs: input.toMs };
    const { result: read, events } = await collectTransportEvents(async () => {
      const reads = [];
      for (const type of input.types ?? [undefined]) reads.push(await readWindow(client, window, type));
      return { rows: reads.flatMap((r) => r.rows), raw: reads.flatMap((r) => r.raw), requests: reads.flatMap((r) => r.requests), truncated: reads.flatMap((r) => r.truncated) };
    });
    heartbeat({ stage: 'storing', rows: read.rows.length });

    const results = normaliseRows(read.rows, input.accountId, { rawRows: read.raw });
    const transactions: TransactionDocument[] = [];
    const quarantine: QuarantineDocument[] = [];
    for (const result of results) {
      if (result.quarantined) {
        const { quarantined: _q, ...rest } = result;
        quarantine.push({ _id: `${input.accountId}:${result.rawSha256}`, runId: input.runId, ...rest });
      } else {
        const { quarantined: _q, ...rest } = result;
        transactions.push({ _id: result.key, ...rest });
      }
    }
    const raw = read.raw.map((row, index) => ({ _id: (results[index] as { rawSha256: string }).rawSha256, accountId: input.accountId, row }));
    const stored = await saveIngested(deps.db, { raw, transactions, quarantine });

    const digest = createHash('sha256')
      .update(transactions.map((t) => `${t.key}:${t.rawSha256}`).sort().join('\n'))
      .update(`|${quarantine.map((q) => q._id).sort().join('\n')}`)
      .digest('hex');
    const retries = events.filter((e) => e.type === 'retry').length;
    const sessionRenewals = events.filter((e) => e.type === 'login').length;
    await saveWindowTrace(deps.db, {
      _id: `${input.runId}:${input.windowIndex}`,
      runId: input.runId,
      accountId: input.accountId,
      windowIndex: input.windowIndex,
      fromMs: input.fromMs,
      toMs: input.toMs,
      requests: read.requests,
      references: transactions.map((t) => t.reference),
      rowCount: read.rows.length,
      stored: stored.transactions,
      quarantined: quarantine.length,
      retries,
      sessionRenewals,
      possiblyTruncated: read.truncated,
      digest,
    });
    deps.log.info({ runId: input.runId, windowIndex: input.windowIndex, rows: read.rows.length, requests: read.requests.length, retries }, 'window ingested');
    return {
      windowIndex: input.windowIndex,
      rows: read.rows.length,
      ...stored.transactions,
      quarantined: quarantine.length,
      requests: read.requests.length,
      retries,
      sessionRenewals,
      possiblyTruncated: read.truncated.length,
      digest,
    };
  }

  return { ingestWindow: withCapitalFailures(ingestWindow) };
}
