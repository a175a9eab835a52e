/**
 * The activity feed against the transactions: every position closed in the period has its TRADE
 * (the realised P/L), and every TRADE has the close that caused it.
 *
 * The feed does not label closes. A POSITION row is a close when its source is a forced or
 * automatic one (SL, TP, CLOSE_OUT, DEALER), or when an earlier POSITION row of the same deal was
 * read (its opening): that is why the caller reads a look-back before the period. A USER close of
 * a position opened before the look-back is still recognised when its TRADE points at it; only
 * if that TRADE were missing too would it pass for an opening (stated in the rule).
 *
 * A TRADE and its close share the deal id and the instant (within `toleranceMs`); TRADE rows
 * without a deal id (the field is not in the official docs) pair by epic and instant instead.
 * `paired` counts the period's TRADE rows that found their close (a close just before the period
 * may be one of them, so `paired` can exceed `closes`). Callers pass trades and activity from
 * `toleranceMs` around the period so pairs that straddle a boundary still pair.
 */
import type { TimeRange } from './balance-anchors';

export const CROSS_CHECK_RULE = 'activity-cross-check@1';

export interface PositionActivity {
  dealId: string;
  epic: string;
  atMs: number;
  source: string;
  status: string;
}

export interface TradeRecord {
  key: string;
  dealId?: string;
  epic?: string;
  bookedAtMs: number;
}

export type CrossCheckKind = 'TRADE_WITHOUT_ACTIVITY' | 'ACTIVITY_WITHOUT_TRADE';

export interface CrossCheckException {
  exceptionId: string;
  kind: CrossCheckKind;
  reason: string;
  rule: string;
  brokerKeys: string[];
}

export interface CrossCheckResult {
  trades: number;
  closes: number;
  paired: number;
  exceptions: CrossCheckException[];
}

export interface CrossCheckPolicy {
  toleranceMs: number;
  /** Feed read before the period, so closes of positions opened shortly before are recognised. */
  lookbackMs: number;
}

export const DEFAULT_CROSS_CHECK_POLICY: CrossCheckPolicy = { toleranceMs: 1_000, lookbackMs: 7 * 86_400_000 };

/** The span of the activity feed a period's check reads: the look-back before it and the tolerance after it. */
export function crossCheckSpan(period: TimeRange, policy: CrossCheckPolicy = DEFAULT_CROSS_CHECK_POLICY): TimeRange {
  return { fromMs: period.fromMs - policy.lookbackMs, toMs: period.toMs + policy.toleranceMs };
}

const AUTOMATIC_CLOSE_SOURCES = new Set(['SL', 'TP', 'CLOSE_OUT', 'DEALER']);
const FAILED_STATUSES = new Set(['REJECTED', 'CANCELLED', 'CANCEL_REJECT', 'MODIFY_REJECT', 'EXPIRED']);

interface Candidate {
  row: PositionActivity;
  isClose: boolean;
  paired: boolean;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Position rows in time order, each marked close or opening. */
function classify(rows: readonly PositionActivity[]): Candidate[] {
  const seen = new Set<string>();
  const ordered = rows.filter((r) => !FAILED_STATUSES.has(r.status)).sort((a, b) => a.atMs - b.atMs || a.dealId.localeCompare(b.dealId));
  return ordered.map((row) => {
    const isClose = AUTOMATIC_CLOSE_SOURCES.has(row.source) || seen.has(row.dealId);
    seen.add(row.dealId);
    return { row, isClose, paired: false };
  });
}

/**
 * The pool's unpaired candidates at `fromMs`..`toMs` (inclusive), in time order. Pools are in time
 * order (built from `classify`), so the span is found by binary search: an epic's pool holds a
 * month of its rows, and scanning it for every trade made the check quadratic.
 */
function unpairedWithin(pool: readonly Candidate[], fromMs: number, toMs: number): Candidate[] {
  let low = 0;
  let high = pool.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((pool[middle] as Candidate).row.atMs < fromMs) low = middle + 1;
    else high = middle;
  }
  const found: Candidate[] = [];
  for (let i = low; i < pool.length && (pool[i] as Candidate).row.atMs <= toMs; i++) if (!(pool[i] as Candidate).paired) found.push(pool[i] as Candidate);
  return found;
}

export function crossCheckTrades(activity: readonly PositionActivity[], trades: readonly TradeRecord[], period: TimeRange, policy: CrossCheckPolicy = DEFAULT_CROSS_CHECK_POLICY): CrossCheckResult {
  const candidates = classify(activity);
  const byDeal = new Map<string, Candidate[]>();
  const byEpic = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    for (const [map, key] of [[byDeal, candidate.row.dealId], [byEpic, candidate.row.epic]] as const) {
      const list = map.get(key) ?? [];
      list.push(candidate);
      map.set(key, list);
    }
  }
  const inPeriod = (ms: number) => ms >= period.fromMs && ms < period.toMs;
  const exceptions: CrossCheckException[] = [];
  let paired = 0;
  let tradeCount = 0;

  // Pairing uses every trade given (the caller passes a margin around the period), so a pair
  // that straddles a boundary pairs; only the period's own trades and closes are judged.
  for (const trade of [...trades].sort((a, b) => a.bookedAtMs - b.bookedAtMs || a.key.localeCompare(b.key))) {
    const pool = trade.dealId ? byDeal.get(trade.dealId) : trade.epic ? byEpic.get(trade.epic) : undefined;
    const near = unpairedWithin(pool ?? [], trade.bookedAtMs - policy.toleranceMs, trade.bookedAtMs + policy.toleranceMs);
    // A recognised close first; else the row the TRADE points at is a USER close of an old position.
    const match = near.find((c) => c.isClose) ?? near[0];
    if (!inPeriod(trade.bookedAtMs)) {
      if (match) Object.assign(match, { paired: true, isClose: true });
      continue;
    }
    tradeCount++;
    if (match) {
      Object.assign(match, { paired: true, isClose: true });
      paired++;
      continue;
    }
    const by = trade.dealId ? `deal ${trade.dealId}` : `epic ${trade.epic ?? '(none)'}`;
    exceptions.push({
      exceptionId: `${CROSS_CHECK_RULE}:TRADE_WITHOUT_ACTIVITY:${trade.key}`,
      kind: 'TRADE_WITHOUT_ACTIVITY',
      reason: `TRADE ${trade.key} booked ${iso(trade.bookedAtMs)} has no position close for ${by} in the activity feed within ${policy.toleranceMs} ms`,
      rule: CROSS_CHECK_RULE,
      brokerKeys: [trade.key],
    });
  }

  let closes = 0;
  for (const { row, isClose, paired: wasPaired } of candidates) {
    if (!isClose || !inPeriod(row.atMs)) continue;
    closes++;
    if (wasPaired) continue;
    exceptions.push({
      exceptionId: `${CROSS_CHECK_RULE}:ACTIVITY_WITHOUT_TRADE:${row.dealId}:${row.atMs}`,
      kind: 'ACTIVITY_WITHOUT_TRADE',
      reason: `position ${row.dealId} (${row.epic}) was closed at ${iso(row.atMs)} (source ${row.source}) but no TRADE transaction records its realised P/L`,
      rule: CROSS_CHECK_RULE,
      brokerKeys: [],
    });
  }
  return { trades: tradeCount, closes, paired, exceptions };
}
