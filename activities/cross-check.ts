import { crossCheckTrades, type PositionActivity, type TradeRecord } from '../lib/ledger/activity-cross-check';
import { saveExceptions, type ExceptionDocument } from '../lib/store/reconciliation';
import { windowRows } from '../lib/store/window-records';
import type { ActivityDeps } from './deps';
import { heartbeat } from './heartbeat';

export interface CrossCheckInput {
  runId: string;
  accountId: string;
  fromMs: number;
  toMs: number;
  /** The run's windows that read transactions in and just around the period (the tolerance on each side). */
  tradeWindowIndexes: number[];
  /** The run's windows that read the activity feed: the period, its look-back and the tolerance after it. */
  feedWindowIndexes: number[];
  dryRun?: boolean;
  /** A partial reconciliation without TRADE has nothing to cross-check. */
  types?: string[];
}

export interface CrossCheckSummary {
  /** POSITION rows of the feed in the period, its look-back and tolerance (read by the run's windows). */
  positionRows: number;
  trades: number;
  closes: number;
  paired: number;
  exceptions: number;
  exceptionsByKind: Record<string, number>;
  /** Why the check did not run (a `types` filter without TRADE). */
  skipped?: string;
}

const HEARTBEAT_EVERY = 10_000;

/**
 * The activity feed against the TRADE transactions, both as the run's windows stored them (the
 * windows read the feed's POSITION rows for the period, a look-back before it and the tolerance
 * after it, and the transactions within the tolerance around it; see planPeriod).
 */
export function createCrossCheckActivities(deps: ActivityDeps) {
  async function crossCheckActivity(input: CrossCheckInput): Promise<CrossCheckSummary> {
    if (input.types && !input.types.includes('TRADE')) {
      return { positionRows: 0, trades: 0, closes: 0, paired: 0, exceptions: 0, exceptionsByKind: {}, skipped: 'TRADE is not among the reconciled types' };
    }
    const period = { fromMs: input.fromMs, toMs: input.toMs };
    const activity: PositionActivity[] = [];
    for await (const row of windowRows(deps.db, input.runId, input.feedWindowIndexes, 'positions')) {
      if (activity.push(row) % HEARTBEAT_EVERY === 0) heartbeat({ positionRows: activity.length });
    }
    const trades: TradeRecord[] = [];
    for await (const tx of windowRows(deps.db, input.runId, input.tradeWindowIndexes, 'records')) {
      if (tx.transactionType !== 'TRADE') continue;
      if (trades.push({ key: tx.key, bookedAtMs: tx.bookedAtMs, ...(tx.dealId ? { dealId: tx.dealId } : {}), ...(tx.epic ? { epic: tx.epic } : {}) }) % HEARTBEAT_EVERY === 0) {
        heartbeat({ trades: trades.length });
      }
    }
    const result = crossCheckTrades(activity, trades, period);
    const documents: ExceptionDocument[] = result.exceptions.map((e) => ({ ...e, _id: `${input.runId}:${e.exceptionId}`, runId: input.runId, accountId: input.accountId, bookEntryIds: [] }));
    if (!input.dryRun) await saveExceptions(deps.db, documents);
    const exceptionsByKind: Record<string, number> = {};
    for (const e of result.exceptions) exceptionsByKind[e.kind] = (exceptionsByKind[e.kind] ?? 0) + 1;
    deps.log.info({ runId: input.runId, trades: result.trades, closes: result.closes, exceptions: result.exceptions.length }, 'activity cross-checked');
    return { positionRows: activity.length, trades: result.trades, closes: result.closes, paired: result.paired, exceptions: result.exceptions.length, exceptionsByKind };
  }

  return { crossCheckActivity };
}
