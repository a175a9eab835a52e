import type { CapitalClient } from '../lib/capital';
import { parseBrokerUtc, splitWindow, type TimeWindow } from '../lib/capital/broker-time';
import { ACTIVITY_MAX_SPAN_MS } from '../lib/capital/client';
import { crossCheckTrades, DEFAULT_CROSS_CHECK_POLICY, type PositionActivity, type TradeRecord } from '../lib/ledger/activity-cross-check';
import { DEFAULT_GAP_POLICY, judgeWindow } from '../lib/ledger/gap-detection';
import { saveExceptions, type ExceptionDocument } from '../lib/store/reconciliation';
import { tradesBetween } from '../lib/store/trades';
import { withCapitalFailures } from './capital-failures';
import type { ActivityDeps } from './deps';
import { heartbeat } from './heartbeat';

export interface CrossCheckDeps extends ActivityDeps {
  capitalFor(accountId: string): CapitalClient;
}

export interface CrossCheckInput {
  runId: string;
  accountId: string;
  fromMs: number;
  toMs: number;
  /** Activity read before the period, so closes of positions opened shortly before are recognised. */
  lookbackDays?: number;
  dryRun?: boolean;
  /** A partial reconciliation without TRADE has nothing to cross-check. */
  types?: string[];
}

export interface CrossCheckSummary {
  activityRequests: number;
  positionRows: number;
  /** Windows still full at the minimum span: the feed may be incomplete there. */
  possiblyTruncated: string[];
  trades: number;
  closes: number;
  paired: number;
  exceptions: number;
  exceptionsByKind: Record<string, number>;
  /** Why the check did not run (a `types` filter without TRADE). */
  skipped?: string;
}

const DAY_MS = 86_400_000;
const POSITIONS_ONLY = { filter: 'type==POSITION' };

export function createCrossCheckActivities(deps: CrossCheckDeps) {
  /** Position rows of one window (at most a day), split where an answer may have been cut off. */
  async function readPositions(client: CapitalClient, window: TimeWindow, log: { requests: number; truncated: string[] }): Promise<PositionActivity[]> {
    const rows: PositionActivity[] = [];
    const queue = [window];
    while (queue.length > 0) {
      const part = queue.shift() as TimeWindow;
      const chunk: PositionActivity[] = [];
      for await (const { activities } of client.activityBetween(part, POSITIONS_ONLY)) {
        for (const a of activities) chunk.push({ dealId: a.dealId, epic: a.epic, atMs: parseBrokerUtc(a.dateUtc) as number, source: a.source, status: a.status });
      }
      log.requests++;
      const verdict = judgeWindow(part, { rows: chunk.length }, DEFAULT_GAP_POLICY);
      if (verdict.kind === 'split') {
        queue.unshift(...verdict.halves);
        continue;
      }
      if (verdict.kind === 'possibly-truncated') log.truncated.push(`${new Date(part.fromMs).toISOString()}..${new Date(part.toMs).toISOString()}: ${verdict.reason}`);
      rows.push(...chunk);
    }
    return rows;
  }

  async function crossCheckActivity(input: CrossCheckInput): Promise<CrossCheckSummary> {
    if (input.types && !input.types.includes('TRADE')) {
      return { activityRequests: 0, positionRows: 0, possiblyTruncated: [], trades: 0, closes: 0, paired: 0, exceptions: 0, exceptionsByKind: {}, skipped: 'TRADE is not among the reconciled types' };
    }
    const client = deps.capitalFor(input.accountId);
    const margin = DEFAULT_CROSS_CHECK_POLICY.toleranceMs;
    const read = { fromMs: input.fromMs - (input.lookbackDays ?? 7) * DAY_MS, toMs: input.toMs + margin };
    const log = { requests: 0, truncated: [] as string[] };
    const activity: PositionActivity[] = [];
    for (const day of splitWindow(read, ACTIVITY_MAX_SPAN_MS)) {
      activity.push(...(await readPositions(client, day, log)));
      heartbeat({ day: new Date(day.fromMs).toISOString().slice(0, 10), positionRows: activity.length });
    }
    const trades: TradeRecord[] = [];
    // Trades just outside the period are there when a neighbouring run (or a bridge window) read them.
    for await (const tx of tradesBetween(deps.db, input.accountId, input.fromMs - margin, input.toMs + margin)) {
      trades.push({ key: tx.key, bookedAtMs: tx.bookedAtMs, ...(tx.dealId ? { dealId: tx.dealId } : {}), ...(tx.instrument ? { epic: tx.instrument.epic } : {}) });
    }
    const result = crossCheckTrades(activity, trades, { fromMs: input.fromMs, toMs: input.toMs });
    const documents: ExceptionDocument[] = result.exceptions.map((e) => ({ ...e, _id: `${input.runId}:${e.exceptionId}`, runId: input.runId, accountId: input.accountId, bookEntryIds: [] }));
    if (!input.dryRun) await saveExceptions(deps.db, documents);
    const exceptionsByKind: Record<string, number> = {};
    for (const e of result.exceptions) exceptionsByKind[e.kind] = (exceptionsByKind[e.kind] ?? 0) + 1;
    deps.log.info({ runId: input.runId, trades: result.trades, closes: result.closes, exceptions: result.exceptions.length }, 'activity cross-checked');
    return {
      activityRequests: log.requests,
      positionRows: activity.length,
      possiblyTruncated: log.truncated,
      trades: result.trades,
      closes: result.closes,
      paired: result.paired,
      exceptions: result.exceptions.length,
      exceptionsByKind,
    };
  }

  return { crossCheckActivity: withCapitalFailures(crossCheckActivity) };
}
