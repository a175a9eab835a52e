/**
 * The working-order lifecycle as an explicit state machine. Every state change goes through
 * `applyTransition`, which checks it against `LEGAL_TRANSITIONS`; an illegal change is reported and
 * never applied, so a stored lifecycle can only ever hold a path the table allows.
 *
 * INTENDED is an order we sent (from a trade intent) and have not yet seen on the broker; an order
 * first seen on the broker without an intent starts in CREATED. A market order never rests as a
 * working order, so INTENDED → FILLED is legal. Terminal states have no way out: an order that
 * "comes back" after one is an anomaly for the caller to report, not a transition.
 */

export const ORDER_STATES = ['INTENDED', 'CREATED', 'AMENDED', 'FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<OrderState> = new Set<OrderState>(['FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED']);

/** from → the states it may move to. Every pair not listed is illegal. */
export const LEGAL_TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = Object.freeze({
  INTENDED: Object.freeze(['CREATED', 'FILLED', 'REJECTED'] as const),
  CREATED: Object.freeze(['AMENDED', 'FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED'] as const),
  AMENDED: Object.freeze(['AMENDED', 'FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED'] as const),
  FILLED: Object.freeze([] as const),
  CANCELLED: Object.freeze([] as const),
  EXPIRED: Object.freeze([] as const),
  REJECTED: Object.freeze([] as const),
});

/**
 * A lifecycle keeps its first step and its last steps; AMENDED → AMENDED is the only step that can
 * repeat, so only amendments are ever dropped, and they are counted.
 */
export const LIFECYCLE_HISTORY_STEPS_MAX = 200;

export interface LifecycleStep {
  state: OrderState;
  /** When we observed or decided the step (the monitor's run time), UTC epoch ms. */
  atMs: number;
  /** The broker snapshot the step was read from, when it came from one. */
  snapshotId?: string;
  /** Why: a sentence a reviewer can check (the evidence, the diff, the intent). */
  reason: string;
}

export interface OrderLifecycle {
  /** The broker's id of the working order (for an intent: the id its confirm returned). */
  dealId: string;
  /** Set only for orders we placed from a trade intent. */
  intentId?: string;
  state: OrderState;
  /** Oldest first; the last step's state is `state`. */
  history: readonly LifecycleStep[];
  /** How many AMENDED steps were dropped to keep `history` within its bound. */
  amendmentsDropped: number;
  /**
   * Set while a live order is absent from the broker's list and nothing explains why: it may still
   * reappear. Cleared by any applied transition and by `markSeen`.
   */
  missingSinceMs?: number;
}

export interface LifecycleEvent {
  to: OrderState;
  atMs: number;
  snapshotId?: string;
  reason: string;
}

export type IllegalTransitionKind = 'not-allowed' | 'out-of-order';

export interface IllegalTransition {
  dealId: string;
  from: OrderState;
  to: OrderState;
  atMs: number;
  kind: IllegalTransitionKind;
  reason: string;
}

export type TransitionResult = { ok: true; order: OrderLifecycle } | { ok: false; order: OrderLifecycle; illegal: IllegalTransition };

export class OrderLifecycleError extends Error {
  override name = 'OrderLifecycleError';
}

export function isTerminal(state: OrderState): boolean {
  return TERMINAL_STATES.has(state);
}

export function isLegalTransition(from: OrderState, to: OrderState): boolean {
  return LEGAL_TRANSITIONS[from].includes(to);
}

/** Why a pair is not in the table, in words for the alert. */
function whyNotAllowed(from: OrderState, to: OrderState): string {
  if (isTerminal(from)) return `${from} is terminal: an order cannot leave it`;
  if (from === to) return `${from} → ${from} is not a change`;
  if (to === 'INTENDED') return 'INTENDED is only where an order we placed starts';
  if (from === 'INTENDED') return `an intended order must first be seen on the broker (CREATED), be filled at market, or be rejected; ${to} skips that`;
  if (to === 'CREATED') return `the order was already ${from} on the broker`;
  return `${from} → ${to} is not in the lifecycle table`;
}

function checkStart(dealId: string, atMs: number): void {
  if (dealId.trim() === '') throw new OrderLifecycleError('a lifecycle needs a dealId');
  if (!Number.isSafeInteger(atMs) || atMs < 0) throw new OrderLifecycleError(`atMs must be epoch milliseconds, got ${atMs}`);
}

/** An order we placed from a trade intent, before the broker shows it. */
export function startIntended(args: { dealId: string; intentId: string; atMs: number; reason: string }): OrderLifecycle {
  checkStart(args.dealId, args.atMs);
  if (args.intentId.trim() === '') throw new OrderLifecycleError(`intended order ${args.dealId} needs an intentId`);
  return { dealId: args.dealId, intentId: args.intentId, state: 'INTENDED', history: [{ state: 'INTENDED', atMs: args.atMs, reason: args.reason }], amendmentsDropped: 0 };
}

/** An order first seen on the broker that no intent of ours placed. */
export function startObserved(args: { dealId: string; atMs: number; snapshotId?: string; reason: string }): OrderLifecycle {
  checkStart(args.dealId, args.atMs);
  const step: LifecycleStep = { state: 'CREATED', atMs: args.atMs, reason: args.reason };
  if (args.snapshotId !== undefined) step.snapshotId = args.snapshotId;
  return { dealId: args.dealId, state: 'CREATED', history: [step], amendmentsDropped: 0 };
}

function boundedHistory(history: LifecycleStep[]): { history: LifecycleStep[]; dropped: number } {
  let dropped = 0;
  // Each call adds one step, so at most one amendment goes; the loop is a guard, bounded by length.
  while (history.length > LIFECYCLE_HISTORY_STEPS_MAX) {
    const index = history.findIndex((step, i) => i > 0 && i < history.length - 1 && step.state === 'AMENDED');
    if (index < 0) throw new OrderLifecycleError(`history over ${LIFECYCLE_HISTORY_STEPS_MAX} steps with no amendment to drop`);
    history.splice(index, 1);
    dropped++;
  }
  return { history, dropped };
}

/**
 * Moves the order to `event.to` when the table allows it and time does not run backwards;
 * otherwise returns the order unchanged with the reason. Never mutates its input.
 */
export function applyTransition(order: OrderLifecycle, event: LifecycleEvent): TransitionResult {
  const from = order.state;
  const last = order.history.at(-1);
  const illegal = (kind: IllegalTransitionKind, reason: string): TransitionResult => ({ ok: false, order, illegal: { dealId: order.dealId, from, to: event.to, atMs: event.atMs, kind, reason } });
  if (!isLegalTransition(from, event.to)) return illegal('not-allowed', whyNotAllowed(from, event.to));
  // A step dated before the last one is stale evidence replayed; applying it would reorder history.
  if (last !== undefined && event.atMs < last.atMs) return illegal('out-of-order', `the event at ${event.atMs} is older than the last step (${last.state} at ${last.atMs})`);
  const step: LifecycleStep = { state: event.to, atMs: event.atMs, reason: event.reason };
  if (event.snapshotId !== undefined) step.snapshotId = event.snapshotId;
  const { history, dropped } = boundedHistory([...order.history, step]);
  const next: OrderLifecycle = { ...order, state: event.to, history, amendmentsDropped: order.amendmentsDropped + dropped };
  delete next.missingSinceMs;
  return { ok: true, order: next };
}

/** Flags a live order as absent from the broker's list; keeps the first time it went missing. */
export function markMissing(order: OrderLifecycle, atMs: number): OrderLifecycle {
  if (isTerminal(order.state) || order.missingSinceMs !== undefined) return order;
  return { ...order, missingSinceMs: atMs };
}

/** Clears the missing flag once the order is listed again. */
export function markSeen(order: OrderLifecycle): OrderLifecycle {
  if (order.missingSinceMs === undefined) return order;
  const next = { ...order };
  delete next.missingSinceMs;
  return next;
}
