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
 * The rows only place the cuts; every part is read and judged again. Rows without a readable time
 * (quarantined later by ingestion) and rows outside the part cannot place a cut and are left out.
 */
export function partsAfterFullAnswer(part: TimeWindow, answerTimesMs: readonly number[], halves: [TimeWindow, TimeWindow], policy: GapPolicy): TimeWindow[] {
  const rowTimesMs = answerTimesMs.filter((t) => Number.isFinite(t) && t >= part.fromMs && t < part.toMs).sort((a, b) => a - b);
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
