import type { TimeWindow } from '../capital/broker-time';

/**
 * Gap detection for history windows. The broker documents no row cap or pagination for
 * `/history/transactions`, so a window whose answer is suspiciously full (at least
 * `suspectRowCount` rows) may have been cut: it is split in two and both halves are re-read,
 * down to `minimumSpanMs`. A window the broker refuses as too wide is split the same way.
 */
export interface GapPolicy {
  /** A response with at least this many rows is treated as possibly truncated. */
  suspectRowCount: number;
  /** Windows are never split below this span; a full answer there is reported, not hidden. */
  minimumSpanMs: number;
  /** Bound on re-reads for one window (its halves, their halves, …). */
  maxRequests: number;
}

export const DEFAULT_GAP_POLICY: GapPolicy = { suspectRowCount: 1_000, minimumSpanMs: 60_000, maxRequests: 4_096 };

export type WindowVerdict =
  | { kind: 'complete' }
  | { kind: 'split'; halves: [TimeWindow, TimeWindow]; reason: string }
  | { kind: 'possibly-truncated'; reason: string };

export function judgeWindow(window: TimeWindow, outcome: { rows: number } | { refusedAsTooWide: true }, policy: GapPolicy): WindowVerdict {
  const full = 'rows' in outcome && outcome.rows >= policy.suspectRowCount;
  const refused = 'refusedAsTooWide' in outcome;
  if (!full && !refused) return { kind: 'complete' };
  const reason = refused ? 'the broker refused the range as too wide' : `${(outcome as { rows: number }).rows} rows (at least ${policy.suspectRowCount}) may be a cut-off answer`;
  const span = window.toMs - window.fromMs;
  if (span / 2 < policy.minimumSpanMs) return { kind: 'possibly-truncated', reason: `${reason}, and the window is already at the minimum span` };
  // Split on a whole second: the broker's query bounds have one-second precision.
  const middle = window.fromMs + Math.max(1000, Math.floor(span / 2 / 1000) * 1000);
  return { kind: 'split', halves: [{ fromMs: window.fromMs, toMs: middle }, { fromMs: middle, toMs: window.toMs }], reason };
}
