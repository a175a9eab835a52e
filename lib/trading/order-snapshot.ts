/**
 * Working orders as plain terms, and what changed between two reads of `/workingorders`.
 *
 * Terms keep every decimal as canonical text and every time as UTC epoch ms, so a stored snapshot
 * compares equal to a fresh one when nothing changed. The diff is keyed by dealId and sorted by it:
 * the broker's list order means nothing, and the result must not depend on it.
 */
import { parseBrokerUtc } from '../capital/broker-time';
import { type Direction, type OpenEnum } from '../capital/schemas/common';
import { type ORDER_TYPES, type TIME_IN_FORCE_VALUES, type WorkingOrderData } from '../capital/schemas/working-orders';
import { instrumentId } from '../ledger/instrument-id';
import { canonical, Decimal, toDecimal } from '../money';
import { type OrderLifecycle, isTerminal } from './order-lifecycle';

/** Far above what one account can hold open; a bigger list is a bug upstream, not a snapshot. */
export const SNAPSHOT_ORDERS_MAX = 10_000;

export interface OrderTerms {
  dealId: string;
  epic: string;
  instrumentId: string;
  direction: Direction;
  orderType: OpenEnum<(typeof ORDER_TYPES)[number]>;
  /** Canonical decimal text, as are all the decimal fields below. */
  size: string;
  level: string;
  timeInForce: OpenEnum<(typeof TIME_IN_FORCE_VALUES)[number]>;
  goodTillMs?: number;
  /** As the broker sent it; the docs say distances may be signed. */
  stopDistance?: string;
  profitDistance?: string;
  stopLevel?: string;
  profitLevel?: string;
  guaranteedStop: boolean;
  /** Absent on the wire in older API versions: read as false. */
  trailingStop: boolean;
  currency: string;
  createdAtMs: number;
}

export class OrderSnapshotError extends Error {
  override name = 'OrderSnapshotError';
}

const BROKER_UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/;

/**
 * The broker's zone-less UTC text → epoch ms; undefined when it is not a real instant. The schema
 * allows nanoseconds (a Java backend); epoch ms cannot hold them, so the fraction is truncated.
 */
export function brokerUtcMs(text: string): number | undefined {
  const match = BROKER_UTC.exec(text);
  if (!match) return undefined;
  const fraction = match[2];
  return parseBrokerUtc(fraction === undefined ? (match[1] as string) : `${match[1]}.${fraction.slice(0, 3)}`);
}

function decimalText(value: Decimal | string | undefined): string | undefined {
  return value === undefined ? undefined : canonical(toDecimal(value));
}

/** One broker working order → its terms. Throws `OrderSnapshotError` naming the bad field. */
export function orderTermsOf(order: WorkingOrderData): OrderTerms {
  if (order.dealId.trim() === '') throw new OrderSnapshotError('working order without a dealId');
  const createdAtMs = brokerUtcMs(order.createdDateUTC);
  if (createdAtMs === undefined) throw new OrderSnapshotError(`working order ${order.dealId}: createdDateUTC '${order.createdDateUTC}' is not a real UTC time`);
  let goodTillMs: number | undefined;
  if (order.goodTillDateUTC !== undefined) {
    goodTillMs = brokerUtcMs(order.goodTillDateUTC);
    if (goodTillMs === undefined) throw new OrderSnapshotError(`working order ${order.dealId}: goodTillDateUTC '${order.goodTillDateUTC}' is not a real UTC time`);
  }
  let id: string;
  try {
    id = instrumentId(order.epic);
  } catch (error) {
    throw new OrderSnapshotError(`working order ${order.dealId}: ${(error as Error).message}`);
  }
  const terms: OrderTerms = {
    dealId: order.dealId,
    epic: order.epic,
    instrumentId: id,
    direction: order.direction,
    orderType: order.orderType,
    size: canonical(toDecimal(order.orderSize)),
    level: canonical(toDecimal(order.orderLevel)),
    timeInForce: order.timeInForce,
    guaranteedStop: order.guaranteedStop,
    trailingStop: order.trailingStop ?? false,
    currency: order.currencyCode,
    createdAtMs,
  };
  if (goodTillMs !== undefined) terms.goodTillMs = goodTillMs;
  const optional = { stopDistance: order.stopDistance, profitDistance: order.profitDistance, stopLevel: order.stopLevel, profitLevel: order.profitLevel };
  for (const [field, value] of Object.entries(optional) as [keyof typeof optional, Decimal | undefined][]) {
    const text = decimalText(value);
    if (text !== undefined) terms[field] = text;
  }
  return terms;
}

/** The fields an amendment may change (AMENDED). */
export const AMENDABLE_FIELDS = ['level', 'size', 'stopDistance', 'stopLevel', 'profitDistance', 'profitLevel', 'goodTillMs', 'timeInForce', 'guaranteedStop', 'trailingStop'] as const;
/** Fields that identify the order: a change in one is an inconsistency, never an amendment. */
export const IDENTITY_FIELDS = ['epic', 'instrumentId', 'direction', 'orderType', 'currency', 'createdAtMs'] as const;
export type AmendableField = (typeof AMENDABLE_FIELDS)[number];
export type IdentityField = (typeof IDENTITY_FIELDS)[number];
const ALL_FIELDS = [...AMENDABLE_FIELDS, ...IDENTITY_FIELDS] as const;

const DECIMAL_FIELDS: ReadonlySet<string> = new Set(['level', 'size', 'stopDistance', 'stopLevel', 'profitDistance', 'profitLevel']);

/** A term's value; null when the order does not have it. */
export type TermValue = string | number | boolean | null;

export interface FieldChange<Field extends string = string> {
  field: Field;
  before: TermValue;
  after: TermValue;
}

function sameValue(field: string, before: TermValue, after: TermValue): boolean {
  if (before === null || after === null) return before === after;
  // "1.50" and "1.5" are one level: compare decimals by value, never by text.
  if (DECIMAL_FIELDS.has(field)) return new Decimal(before as string).eq(new Decimal(after as string));
  return before === after;
}

function termChanges<Field extends keyof OrderTerms>(before: OrderTerms, after: OrderTerms, fields: readonly Field[]): FieldChange<Field>[] {
  const changes: FieldChange<Field>[] = [];
  for (const field of fields) {
    const was = (before[field] ?? null) as TermValue;
    const is = (after[field] ?? null) as TermValue;
    if (!sameValue(field, was, is)) changes.push({ field, before: was, after: is });
  }
  return changes;
}

export interface QuarantinedOrder {
  /** As sent; may be empty when that is the problem. */
  dealId: string;
  reason: string;
}

/**
 * A whole `/workingorders` list → terms, sorted by dealId. An order that cannot be read is
 * quarantined with its reason instead of failing the read. Two different orders under one dealId
 * are both quarantined: which one is real cannot be known, and keeping the first would make the
 * result depend on list order. An exact repeat is one order delivered twice.
 */
export function readWorkingOrders(orders: readonly WorkingOrderData[]): { terms: OrderTerms[]; quarantined: QuarantinedOrder[] } {
  if (orders.length > SNAPSHOT_ORDERS_MAX) throw new OrderSnapshotError(`${orders.length} working orders exceed the bound of ${SNAPSHOT_ORDERS_MAX}`);
  const byDeal = new Map<string, OrderTerms[]>();
  const quarantined: QuarantinedOrder[] = [];
  for (const order of orders) {
    try {
      const terms = orderTermsOf(order);
      const same = byDeal.get(terms.dealId);
      if (same) same.push(terms);
      else byDeal.set(terms.dealId, [terms]);
    } catch (error) {
      if (!(error instanceof OrderSnapshotError)) throw error;
      quarantined.push({ dealId: order.dealId, reason: error.message });
    }
  }
  const terms: OrderTerms[] = [];
  for (const [dealId, copies] of byDeal) {
    const first = copies[0] as OrderTerms;
    const conflicting = copies.some((copy) => termChanges(first, copy, ALL_FIELDS).length > 0);
    if (conflicting) quarantined.push({ dealId, reason: `${copies.length} different working orders share dealId ${dealId}` });
    else terms.push(first);
  }
  return { terms: terms.sort(byDealId), quarantined: quarantined.sort(byDealId) };
}

export interface OrderAmendment {
  dealId: string;
  before: OrderTerms;
  after: OrderTerms;
  /** In `AMENDABLE_FIELDS` order. */
  changes: FieldChange<AmendableField>[];
}

export interface OrderInconsistency {
  dealId: string;
  changes: FieldChange<IdentityField>[];
}

export interface OrderSnapshotDiff {
  /** In the current snapshot, not in the previous one. Sorted by dealId, as are all lists. */
  created: OrderTerms[];
  amended: OrderAmendment[];
  /** In the previous snapshot, not in the current one (terms as previously stored). */
  vanished: OrderTerms[];
  /** An identity field changed under the same dealId: report it; the order may also be amended. */
  inconsistent: OrderInconsistency[];
  /** In both, with no change at all. */
  unchanged: number;
}

export type OrderSnapshot = ReadonlyMap<string, OrderTerms> | readonly OrderTerms[];

function byDealId<T extends { dealId: string }>(a: T, b: T): number {
  return a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0;
}

function indexSnapshot(snapshot: OrderSnapshot, name: string): ReadonlyMap<string, OrderTerms> {
  const size = snapshot instanceof Map ? snapshot.size : (snapshot as readonly OrderTerms[]).length;
  if (size > SNAPSHOT_ORDERS_MAX) throw new OrderSnapshotError(`the ${name} snapshot has ${size} orders, over the bound of ${SNAPSHOT_ORDERS_MAX}`);
  if (snapshot instanceof Map) {
    for (const [key, terms] of snapshot) if (key !== terms.dealId) throw new OrderSnapshotError(`the ${name} snapshot keys order ${terms.dealId} under '${key}'`);
    return snapshot;
  }
  const index = new Map<string, OrderTerms>();
  for (const terms of snapshot as readonly OrderTerms[]) {
    if (index.has(terms.dealId)) throw new OrderSnapshotError(`the ${name} snapshot holds dealId ${terms.dealId} twice`);
    index.set(terms.dealId, terms);
  }
  return index;
}

/** What changed from the previous stored snapshot to the current one. */
export function diffSnapshots(previous: OrderSnapshot, current: OrderSnapshot): OrderSnapshotDiff {
  const before = indexSnapshot(previous, 'previous');
  const after = indexSnapshot(current, 'current');
  const diff: OrderSnapshotDiff = { created: [], amended: [], vanished: [], inconsistent: [], unchanged: 0 };
  for (const [dealId, terms] of after) {
    const was = before.get(dealId);
    if (was === undefined) {
      diff.created.push(terms);
      continue;
    }
    const changes = termChanges(was, terms, AMENDABLE_FIELDS);
    const identity = termChanges(was, terms, IDENTITY_FIELDS);
    if (changes.length > 0) diff.amended.push({ dealId, before: was, after: terms, changes });
    if (identity.length > 0) diff.inconsistent.push({ dealId, changes: identity });
    if (changes.length === 0 && identity.length === 0) diff.unchanged++;
  }
  for (const [dealId, terms] of before) if (!after.has(dealId)) diff.vanished.push(terms);
  diff.created.sort(byDealId);
  diff.amended.sort(byDealId);
  diff.vanished.sort(byDealId);
  diff.inconsistent.sort(byDealId);
  return diff;
}

/**
 * What a dealId in `created` means for the lifecycle store, which may know more than the previous
 * snapshot did:
 * - `new`: never seen; start a lifecycle in CREATED.
 * - `intended`: an order we placed, now on the broker; apply CREATED.
 * - `reappeared`: live and flagged missing; clear the flag (and diff its terms for an amendment).
 * - `known`: live and not missing, so the store is ahead of the snapshot (a run that stopped
 *   between the two writes); nothing to do.
 * - `after-terminal`: the lifecycle already ended; an anomaly to report, never a transition.
 */
export type Appearance = 'new' | 'intended' | 'reappeared' | 'known' | 'after-terminal';

export function classifyAppearance(dealId: string, known: OrderLifecycle | undefined): Appearance {
  if (known === undefined) return 'new';
  if (known.dealId !== dealId) throw new OrderSnapshotError(`asked about ${dealId} with the lifecycle of ${known.dealId}`);
  if (isTerminal(known.state)) return 'after-terminal';
  if (known.state === 'INTENDED') return 'intended';
  return known.missingSinceMs !== undefined ? 'reappeared' : 'known';
}
