/**
 * One poll of the working-order monitor, as a pure step: what the broker shows now (working orders,
 * positions, the activity rows since the last poll) against what the last poll stored (its
 * snapshot and every order's lifecycle) gives the lifecycle steps, the change log, and the alerts.
 *
 * Order of evidence, per order:
 * 1. the snapshot diff: orders that appeared (new, reappeared, ours now on the broker), amended
 *    terms (each field before and after), and orders that vanished;
 * 2. for a vanished order, what ended it (order-resolution.ts: a position it opened, its activity
 *    row, its good-till date); nothing → flagged missing, with an alert that lasts until the order
 *    reappears or its end is explained by a later poll;
 * 3. orders that lived and ended between two polls are built from their activity rows alone.
 * Then governance (every live order and position) and intended-vs-executed drift (our orders).
 *
 * A lifecycle this poll already applied (`lastSnapshotId`) is left alone, so a retried poll does
 * not step an order twice.
 */
import type { Activity } from '../capital/schemas/history';
import type { PositionWithMarket } from '../capital/schemas/positions';
import type { WorkingOrder } from '../capital/schemas/working-orders';
import type { AlertInput } from '../store/alerts';
import {
  applyTransition,
  checkOrder,
  checkPosition,
  classifyAppearance,
  diffSnapshots,
  driftAgainstOrder,
  driftAgainstPosition,
  indexOrderEvidence,
  isTerminal,
  markMissing,
  markSeen,
  readWorkingOrders,
  resolveVanishedOrder,
  startObserved,
  WORKING_ORDER_END_BY_STATUS,
  type FieldChange,
  type GovernancePolicy,
  type OrderIntentTerms,
  type OrderLifecycle,
  type OrderState,
  type OrderTerms,
} from './orders';

/** A lifecycle as the monitor keeps it: the state machine's record plus what the order looked like. */
export interface MonitoredOrder {
  lifecycle: OrderLifecycle;
  epic: string;
  /** The terms last seen on the broker; absent for orders known only from activity rows. */
  terms?: OrderTerms;
  /** The poll that last changed it. */
  lastSnapshotId: string;
  updatedAtMs: number;
}

export interface OrderChange {
  dealId: string;
  kind: 'created' | 'amended' | 'transition' | 'vanished' | 'reappeared' | 'illegal-transition';
  fromState?: OrderState;
  toState?: OrderState;
  changes: Array<FieldChange>;
  reason: string;
}

export interface OrderPollInput {
  snapshotId: string;
  nowMs: number;
  /** The last poll's working orders; undefined on the first poll. */
  previousOrders: readonly OrderTerms[] | undefined;
  known: ReadonlyMap<string, MonitoredOrder>;
  workingOrders: readonly WorkingOrder[];
  positions: readonly PositionWithMarket[];
  /** Detailed activity rows since the last poll. */
  activities: readonly Activity[];
  /** Our trade intents by the order's deal id, for drift. */
  intents: ReadonlyMap<string, OrderIntentTerms>;
  policy: GovernancePolicy;
}

export interface OrderPollOutcome {
  /** The snapshot to store for the next poll. */
  orders: OrderTerms[];
  /** Lifecycles this poll created or changed. */
  updated: Map<string, MonitoredOrder>;
  changes: OrderChange[];
  alerts: AlertInput[];
  quarantined: Array<{ dealId: string; reason: string }>;
  counts: Record<OrderState, number> & { live: number; positions: number; missing: number; illegal: number };
}

const RULE = {
  illegal: 'lifecycle-transition',
  unexplained: 'order-end-explained',
  inconsistent: 'order-identity-stable',
} as const;

function describeChanges(changes: readonly FieldChange[]): string {
  return changes.map((c) => `${c.field} ${String(c.before)} → ${String(c.after)}`).join(', ');
}

export function observeOrders(input: OrderPollInput): OrderPollOutcome {
  const { snapshotId, nowMs } = input;
  const updated = new Map<string, MonitoredOrder>();
  const changes: OrderChange[] = [];
  const alerts: AlertInput[] = [];
  let illegal = 0;

  const current = (dealId: string) => updated.get(dealId) ?? input.known.get(dealId);
  const alreadyApplied = (dealId: string) => input.known.get(dealId)?.lastSnapshotId === snapshotId;
  const save = (order: MonitoredOrder) => updated.set(order.lifecycle.dealId, { ...order, lastSnapshotId: snapshotId, updatedAtMs: nowMs });
  const step = (order: MonitoredOrder, to: OrderState, reason: string, fieldChanges: FieldChange[] = []) => {
    const result = applyTransition(order.lifecycle, { to, atMs: nowMs, snapshotId, reason });
    if (result.ok) {
      save({ ...order, lifecycle: result.order });
      changes.push({ dealId: order.lifecycle.dealId, kind: to === 'AMENDED' ? 'amended' : 'transition', fromState: order.lifecycle.state, toState: to, changes: fieldChanges, reason });
      return;
    }
    illegal++;
    changes.push({ dealId: order.lifecycle.dealId, kind: 'illegal-transition', fromState: order.lifecycle.state, toState: to, changes: fieldChanges, reason: `${result.illegal.reason} (evidence: ${reason})` });
    alerts.push({ kind: 'illegal-transition', rule: RULE.illegal, severity: 'warning', subject: order.lifecycle.dealId, message: `order ${order.lifecycle.dealId}: ${result.illegal.reason}; not applied. Evidence: ${reason}`, ongoing: false, details: { from: result.illegal.from, to, snapshotId } });
  };

  const { terms, quarantined } = readWorkingOrders(input.workingOrders.map((item) => item.workingOrderData));
  const instrumentTypes = new Map<string, string>();
  for (const item of input.workingOrders) instrumentTypes.set(item.workingOrderData.epic, item.marketData.instrumentType);
  for (const item of input.positions) instrumentTypes.set(item.market.epic, item.market.instrumentType);
  const evidence = indexOrderEvidence({ positions: input.positions.map((p) => p.position), activities: input.activities });
  const diff = diffSnapshots(input.previousOrders ?? [], terms);

  // 1. Appeared.
  for (const order of diff.created) {
    if (alreadyApplied(order.dealId)) continue;
    const known = input.known.get(order.dealId);
    const appearance = classifyAppearance(order.dealId, known?.lifecycle);
    if (appearance === 'new') {
      const reason = `seen in the broker's working orders (created ${new Date(order.createdAtMs).toISOString()})`;
      save({ lifecycle: startObserved({ dealId: order.dealId, atMs: nowMs, snapshotId, reason }), epic: order.epic, terms: order, lastSnapshotId: snapshotId, updatedAtMs: nowMs });
      changes.push({ dealId: order.dealId, kind: 'created', toState: 'CREATED', changes: [], reason });
    } else if (appearance === 'intended' && known) {
      step({ ...known, terms: order }, 'CREATED', "our order is now in the broker's working orders");
    } else if (appearance === 'reappeared' && known) {
      save({ ...known, lifecycle: markSeen(known.lifecycle), terms: order });
      changes.push({ dealId: order.dealId, kind: 'reappeared', changes: [], reason: `back in the broker's working orders after missing since ${new Date(known.lifecycle.missingSinceMs ?? nowMs).toISOString()}` });
    } else if (appearance === 'after-terminal' && known) {
      step(known, 'CREATED', `listed again in the broker's working orders after it ended ${known.lifecycle.state}`);
    }
    // 'known': the store is ahead of the snapshot (a poll stopped between its writes): nothing new.
  }

  // Amended terms.
  for (const amendment of diff.amended) {
    const known = current(amendment.dealId);
    if (!known || alreadyApplied(amendment.dealId)) continue;
    step({ ...known, terms: amendment.after }, 'AMENDED', `terms changed: ${describeChanges(amendment.changes)}`, amendment.changes);
  }
  for (const inconsistent of diff.inconsistent) {
    alerts.push({ kind: 'unexplained-order', rule: RULE.inconsistent, severity: 'critical', subject: inconsistent.dealId, message: `order ${inconsistent.dealId} changed what identifies it: ${describeChanges(inconsistent.changes)}`, ongoing: false, details: { snapshotId } });
  }

  // 2. Vanished now, or missing since an earlier poll: explain it if the evidence can.
  const vanished = new Map<string, OrderTerms | undefined>(diff.vanished.map((order) => [order.dealId, order]));
  const listed = new Set(terms.map((t) => t.dealId));
  for (const [dealId, order] of input.known) {
    if (order.lifecycle.missingSinceMs !== undefined && !isTerminal(order.lifecycle.state) && !vanished.has(dealId) && !listed.has(dealId)) vanished.set(dealId, order.terms);
  }
  for (const [dealId, order] of vanished) {
    const known = current(dealId);
    if (!known || alreadyApplied(dealId) || isTerminal(known.lifecycle.state)) continue;
    const resolution = resolveVanishedOrder({ dealId, ...(order?.goodTillMs !== undefined ? { goodTillMs: order.goodTillMs } : {}) }, evidence, nowMs);
    if (resolution.resolved) {
      step(known, resolution.state, resolution.evidence.sentence);
    } else if (known.lifecycle.missingSinceMs === undefined) {
      save({ ...known, lifecycle: markMissing(known.lifecycle, nowMs) });
      changes.push({ dealId, kind: 'vanished', changes: [], reason: resolution.reason });
    }
  }

  // 3. Orders that began and ended between two polls: only their activity rows tell.
  buildFromActivity(input, terms, current, save, step, changes);

  // Alerts that hold while their condition does.
  const live = new Map(terms.map((t) => [t.dealId, t]));
  for (const dealId of new Set([...input.known.keys(), ...updated.keys()])) {
    const order = current(dealId) as MonitoredOrder;
    const state = order.lifecycle;
    if (state.missingSinceMs !== undefined && !isTerminal(state.state)) {
      alerts.push({ kind: 'unexplained-order', rule: RULE.unexplained, severity: 'warning', subject: dealId, message: `order ${dealId} (${order.epic}) left the broker's working orders at ${new Date(state.missingSinceMs).toISOString()} with no fill, cancellation, expiry or rejection to explain it`, ongoing: true, details: { missingSince: new Date(state.missingSinceMs).toISOString() } });
    }
  }
  for (const order of terms) {
    for (const violation of checkOrder(order, instrumentTypes.get(order.epic) ?? 'UNKNOWN', input.policy)) {
      alerts.push({ kind: 'governance', rule: `${violation.rule}@${violation.policyVersion}`, severity: violation.severity, subject: order.dealId, message: violation.message, ongoing: true, details: { epic: order.epic, on: 'working-order' } });
    }
  }
  for (const { position, market } of input.positions) {
    for (const violation of checkPosition(position, market.instrumentType, input.policy)) {
      alerts.push({ kind: 'governance', rule: `${violation.rule}@${violation.policyVersion}`, severity: violation.severity, subject: position.dealId, message: violation.message, ongoing: true, details: { epic: market.epic, on: 'position' } });
    }
  }
  for (const [dealId, intent] of input.intents) {
    const held = live.get(dealId);
    const position = input.positions.find((p) => p.position.workingOrderId === dealId || p.position.dealId === dealId);
    const drifts = held ? driftAgainstOrder(intent, held) : position ? driftAgainstPosition(intent, position.position, position.market.epic) : [];
    if (drifts.length > 0) {
      alerts.push({ kind: 'drift', rule: 'intended-vs-executed', severity: 'critical', subject: dealId, message: `the broker holds order ${dealId} differently from what we asked: ${drifts.map((d) => `${d.field} asked ${String(d.requested)}, held ${String(d.held)}`).join('; ')}`, ongoing: true, details: { drifts } });
    }
  }

  const counts = countStates(input.known, updated);
  return { orders: terms, updated, changes, alerts, quarantined, counts: { ...counts, live: terms.length, positions: input.positions.length, illegal } };
}

/**
 * Lifecycles from WORKING_ORDER rows of orders never seen in a snapshot: placed (CREATED), amended,
 * then ended. Rows are taken in time order; an order still listed is the snapshot's business.
 */
function buildFromActivity(
  input: OrderPollInput,
  listed: readonly OrderTerms[],
  current: (dealId: string) => MonitoredOrder | undefined,
  save: (order: MonitoredOrder) => void,
  step: (order: MonitoredOrder, to: OrderState, reason: string) => void,
  changes: OrderChange[],
): void {
  const listedIds = new Set(listed.map((t) => t.dealId));
  const rows = input.activities.filter((row) => row.type === 'WORKING_ORDER' && !listedIds.has(row.dealId) && !input.known.has(row.dealId));
  rows.sort((a, b) => (a.dateUtc < b.dateUtc ? -1 : a.dateUtc > b.dateUtc ? 1 : 0));
  for (const row of rows) {
    const sentence = `activity WORKING_ORDER ${row.status} (source ${row.source}) at ${row.dateUtc} UTC`;
    let order = current(row.dealId);
    if (!order) {
      const reason = `known only from the activity feed: ${sentence}`;
      order = { lifecycle: startObserved({ dealId: row.dealId, atMs: input.nowMs, snapshotId: input.snapshotId, reason }), epic: row.epic, lastSnapshotId: input.snapshotId, updatedAtMs: input.nowMs };
      save(order);
      changes.push({ dealId: row.dealId, kind: 'created', toState: 'CREATED', changes: [], reason });
      if (row.status === 'ACCEPTED') continue;
      order = current(row.dealId) as MonitoredOrder;
    }
    const end = WORKING_ORDER_END_BY_STATUS.get(row.status);
    if (end) step(order, end, sentence);
    else if (row.status === 'MODIFIED') step(order, 'AMENDED', sentence);
  }
}

function countStates(known: ReadonlyMap<string, MonitoredOrder>, updated: ReadonlyMap<string, MonitoredOrder>): Record<OrderState, number> & { missing: number } {
  const counts = { INTENDED: 0, CREATED: 0, AMENDED: 0, FILLED: 0, CANCELLED: 0, EXPIRED: 0, REJECTED: 0, missing: 0 };
  for (const [dealId, order] of known) if (!updated.has(dealId)) tally(order);
  for (const order of updated.values()) tally(order);
  function tally(order: MonitoredOrder): void {
    counts[order.lifecycle.state]++;
    if (order.lifecycle.missingSinceMs !== undefined) counts.missing++;
  }
  return counts;
}

