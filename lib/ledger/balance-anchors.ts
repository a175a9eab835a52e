/**
 * Which broker balance snapshots prove a period's roll-forward, and how each is carried to the
 * period's boundary.
 *
 * The broker only reports the balance *now* (`GET /accounts`), so snapshots are taken when a run
 * (or a schedule, or `recon balances capture`) happens to call it, or imported from the broker's
 * statements. A snapshot at instant `atMs` includes every transaction booked strictly before it;
 * carried to a boundary `b` it becomes
 *
 *   balance(b) = cash − Σ transactions in [b, atMs)   when the snapshot is at or after b
 *   balance(b) = cash + Σ transactions in [atMs, b)   when it is before b
 *
 * and those "bridge" transactions are read from the broker like any window. Opening and closing
 * must come from two different snapshots: one snapshot carried to both ends would prove nothing.
 */
import type { Decimal } from '../money';

export interface BalanceSnapshot {
  snapshotId: string;
  /** Every transaction booked strictly before this instant is in `cash`. */
  atMs: number;
  /**
   * A snapshot read from the API is taken at some instant between two server-time readings:
   * transactions booked in [atMs, uncertainUntilMs) may or may not be in it. Equal to `atMs`
   * when the instant is exact (a statement's balance, a frozen clock).
   */
  uncertainUntilMs: number;
  cash: Decimal;
}

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface Anchor {
  snapshot: BalanceSnapshot;
  boundaryMs: number;
  /** The transactions between snapshot and boundary (possibly empty). */
  bridge: TimeRange;
  /** Transactions here make the snapshot ambiguous (empty range when exact). */
  uncertain: TimeRange;
}

export interface AnchorChoice {
  opening?: Anchor;
  closing?: Anchor;
  /** Why an end has no anchor, in words a reviewer can act on. */
  problems: string[];
}

export interface AnchorPolicy {
  /** The farthest a snapshot may be from its boundary: bridges are read from the broker. */
  maxBridgeMs: number;
}

export const DEFAULT_ANCHOR_POLICY: AnchorPolicy = { maxBridgeMs: 7 * 24 * 3_600_000 };

export function anchorAt(snapshot: BalanceSnapshot, boundaryMs: number): Anchor {
  const bridge = snapshot.atMs >= boundaryMs ? { fromMs: boundaryMs, toMs: snapshot.atMs } : { fromMs: snapshot.atMs, toMs: boundaryMs };
  return { snapshot, boundaryMs, bridge, uncertain: { fromMs: snapshot.atMs, toMs: Math.max(snapshot.atMs, snapshot.uncertainUntilMs) } };
}

/** The boundary balance from the anchor's snapshot and the net of its bridge transactions. */
export function balanceAtBoundary(anchor: Anchor, bridgeNet: Decimal): Decimal {
  return anchor.snapshot.atMs >= anchor.boundaryMs ? anchor.snapshot.cash.minus(bridgeNet) : anchor.snapshot.cash.plus(bridgeNet);
}

function nearest(snapshots: readonly BalanceSnapshot[], boundaryMs: number, maxBridgeMs: number): BalanceSnapshot | undefined {
  let best: BalanceSnapshot | undefined;
  for (const snapshot of snapshots) {
    const distance = Math.abs(snapshot.atMs - boundaryMs);
    if (distance > maxBridgeMs) continue;
    const bestDistance = best ? Math.abs(best.atMs - boundaryMs) : Infinity;
    // Ties go to the exact (statement) snapshot, then to the earlier id: the choice is deterministic.
    if (distance < bestDistance || (distance === bestDistance && best && tieBreak(snapshot, best) < 0)) best = snapshot;
  }
  return best;
}

function tieBreak(a: BalanceSnapshot, b: BalanceSnapshot): number {
  const spread = a.uncertainUntilMs - a.atMs - (b.uncertainUntilMs - b.atMs);
  return spread !== 0 ? spread : a.snapshotId < b.snapshotId ? -1 : 1;
}

function days(ms: number): string {
  return `${Math.round((ms / 86_400_000) * 10) / 10} days`;
}

/** The closing anchor is the snapshot nearest the period's end; the opening one, the nearest to its start taken before it. */
export function chooseAnchors(snapshots: readonly BalanceSnapshot[], period: TimeRange, policy: AnchorPolicy = DEFAULT_ANCHOR_POLICY): AnchorChoice {
  const problems: string[] = [];
  const closingSnapshot = nearest(snapshots, period.toMs, policy.maxBridgeMs);
  if (!closingSnapshot) problems.push(`no balance snapshot within ${days(policy.maxBridgeMs)} of the period's end ${new Date(period.toMs).toISOString()}`);
  const earlier = closingSnapshot ? snapshots.filter((s) => s.atMs < closingSnapshot.atMs) : snapshots;
  const openingSnapshot = nearest(earlier, period.fromMs, policy.maxBridgeMs);
  if (!openingSnapshot) {
    problems.push(
      `no balance snapshot within ${days(policy.maxBridgeMs)} of the period's start ${new Date(period.fromMs).toISOString()}` +
        (closingSnapshot ? ' other than the closing one' : ''),
    );
  }
  return {
    ...(openingSnapshot ? { opening: anchorAt(openingSnapshot, period.fromMs) } : {}),
    ...(closingSnapshot ? { closing: anchorAt(closingSnapshot, period.toMs) } : {}),
    problems,
  };
}

/** The parts of `range` outside `period` (what must be read beyond the period's own windows). */
export function outside(range: TimeRange, period: TimeRange): TimeRange[] {
  const parts: TimeRange[] = [];
  if (range.fromMs < period.fromMs) parts.push({ fromMs: range.fromMs, toMs: Math.min(range.toMs, period.fromMs) });
  if (range.toMs > period.toMs) parts.push({ fromMs: Math.max(range.fromMs, period.toMs), toMs: range.toMs });
  return parts.filter((p) => p.toMs > p.fromMs);
}
