/**
 * What ended a working order that left the broker's list, decided from evidence only, strongest
 * first:
 *   1. an open position whose `workingOrderId` is the order's dealId → FILLED (live state beats history);
 *   2. a WORKING_ORDER activity row for the dealId: EXECUTED → FILLED, CANCELLED, EXPIRED, REJECTED;
 *   3. a POSITION activity row (ACCEPTED or EXECUTED) whose `details.workingOrderId` is the dealId → FILLED;
 *   4. a good-till time at or before now → EXPIRED (the broker expires GTD orders itself).
 * Nothing else decides: an order with no evidence stays unresolved, flagged missing, and may come
 * back. Evidence that points at another end state is returned as `conflicts`, never dropped.
 *
 * The activity rows must cover the time since the order was last listed, or rule 4 may call an
 * order expired that was filled just before its good-till time.
 */
import { type Activity } from '../capital/schemas/history';
import { type Position } from '../capital/schemas/positions';
import { brokerUtcMs } from './order-snapshot';

/** Bounds the indexes; a month of activity of a busy account is far below. */
export const ORDER_EVIDENCE_ITEMS_MAX = 1_000_000;

export type ResolvedState = 'FILLED' | 'CANCELLED' | 'EXPIRED' | 'REJECTED';

export type ResolutionRule = 'position-opened-by-order' | 'working-order-activity' | 'position-activity-from-order' | 'good-till-passed' | 'rejected-activity';

/** WORKING_ORDER activity status → the end it proves. ACCEPTED and MODIFIED prove nothing here. */
export const WORKING_ORDER_END_BY_STATUS: ReadonlyMap<string, ResolvedState> = new Map<string, ResolvedState>([
  ['EXECUTED', 'FILLED'],
  ['CANCELLED', 'CANCELLED'],
  ['EXPIRED', 'EXPIRED'],
  ['REJECTED', 'REJECTED'],
]);

/** POSITION statuses that mean the position exists; a rejected open is not a fill. */
const POSITION_OPENED_STATUSES: ReadonlySet<string> = new Set(['ACCEPTED', 'EXECUTED']);

/**
 * Only these row types can reject an order. EDIT_STOP_AND_LIMIT REJECTED is a refused stop edit
 * on a position that stays open, not a rejected order.
 */
const ORDER_REJECTING_TYPES: ReadonlySet<string> = new Set(['WORKING_ORDER', 'POSITION']);

export interface ActivityRef {
  dealId: string;
  type: string;
  status: string;
  source: string;
  dateUtc: string;
}

export interface ResolutionEvidence {
  rule: ResolutionRule;
  state: ResolvedState;
  /** A sentence a reviewer can check against the broker. */
  sentence: string;
  /** When it happened according to the evidence, UTC epoch ms, when the evidence says. */
  happenedAtMs?: number;
  positionDealId?: string;
  activity?: ActivityRef;
  goodTillMs?: number;
}

export type OrderResolution =
  | { resolved: true; dealId: string; state: ResolvedState; evidence: ResolutionEvidence; conflicts: ResolutionEvidence[] }
  | { resolved: false; dealId: string; reason: string };

/** Positions and activity rows indexed once per monitor run, then asked about each order. */
export interface OrderEvidence {
  readonly positionsByOrderId: ReadonlyMap<string, readonly Position[]>;
  readonly workingOrderRowsByDealId: ReadonlyMap<string, readonly Activity[]>;
  readonly positionRowsByOrderId: ReadonlyMap<string, readonly Activity[]>;
  readonly rejectionsByDealId: ReadonlyMap<string, readonly Activity[]>;
  readonly rejectionsByDealReference: ReadonlyMap<string, readonly Activity[]>;
}

export class OrderEvidenceError extends Error {
  override name = 'OrderEvidenceError';
}

function push<T>(map: Map<string, T[]>, key: string | undefined, item: T): void {
  if (key === undefined || key === '') return;
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

/** `positions` are the `.position` of each `/positions` item; `activities` are detailed rows. */
export function indexOrderEvidence(input: { positions: readonly Position[]; activities: readonly Activity[] }): OrderEvidence {
  const items = input.positions.length + input.activities.length;
  if (items > ORDER_EVIDENCE_ITEMS_MAX) throw new OrderEvidenceError(`${items} positions and activity rows exceed the bound of ${ORDER_EVIDENCE_ITEMS_MAX}`);
  const positionsByOrderId = new Map<string, Position[]>();
  const workingOrderRowsByDealId = new Map<string, Activity[]>();
  const positionRowsByOrderId = new Map<string, Activity[]>();
  const rejectionsByDealId = new Map<string, Activity[]>();
  const rejectionsByDealReference = new Map<string, Activity[]>();
  for (const position of input.positions) push(positionsByOrderId, position.workingOrderId, position);
  for (const row of input.activities) {
    if (row.type === 'WORKING_ORDER') push(workingOrderRowsByDealId, row.dealId, row);
    if (row.type === 'POSITION' && POSITION_OPENED_STATUSES.has(row.status)) push(positionRowsByOrderId, row.details?.workingOrderId, row);
    if (row.status === 'REJECTED' && ORDER_REJECTING_TYPES.has(row.type)) {
      push(rejectionsByDealId, row.dealId, row);
      push(rejectionsByDealReference, row.details?.dealReference, row);
    }
  }
  return { positionsByOrderId, workingOrderRowsByDealId, positionRowsByOrderId, rejectionsByDealId, rejectionsByDealReference };
}

function activityRef(row: Activity): ActivityRef {
  return { dealId: row.dealId, type: row.type, status: row.status, source: row.source, dateUtc: row.dateUtc };
}

function withTime(evidence: ResolutionEvidence, atMs: number | undefined): ResolutionEvidence {
  if (atMs !== undefined) evidence.happenedAtMs = atMs;
  return evidence;
}

function fromPosition(dealId: string, position: Position): ResolutionEvidence {
  return withTime(
    { rule: 'position-opened-by-order', state: 'FILLED', sentence: `open position ${position.dealId} names working order ${dealId} as the order that opened it (created ${position.createdDateUTC} UTC)`, positionDealId: position.dealId },
    brokerUtcMs(position.createdDateUTC),
  );
}

function fromWorkingOrderRow(row: Activity, state: ResolvedState): ResolutionEvidence {
  return withTime(
    { rule: 'working-order-activity', state, sentence: `activity WORKING_ORDER ${row.status} (source ${row.source}) for ${row.dealId} at ${row.dateUtc} UTC`, activity: activityRef(row) },
    brokerUtcMs(row.dateUtc),
  );
}

function fromPositionRow(dealId: string, row: Activity): ResolutionEvidence {
  return withTime(
    { rule: 'position-activity-from-order', state: 'FILLED', sentence: `activity POSITION ${row.status} for position ${row.dealId} at ${row.dateUtc} UTC names working order ${dealId} in details.workingOrderId`, positionDealId: row.dealId, activity: activityRef(row) },
    brokerUtcMs(row.dateUtc),
  );
}

/** Latest first, so the newest activity row about an order decides; ties by status for a stable order. */
function latestFirst(a: ResolutionEvidence, b: ResolutionEvidence): number {
  const byTime = (b.happenedAtMs ?? -Infinity) - (a.happenedAtMs ?? -Infinity);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  const keyA = `${a.state}|${a.positionDealId ?? ''}|${a.activity?.dateUtc ?? ''}`;
  const keyB = `${b.state}|${b.positionDealId ?? ''}|${b.activity?.dateUtc ?? ''}`;
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}

/** Every piece of evidence about the order, strongest rule first, latest first within a rule. */
function evidenceFor(dealId: string, evidence: OrderEvidence): ResolutionEvidence[] {
  const positions = (evidence.positionsByOrderId.get(dealId) ?? []).map((position) => fromPosition(dealId, position)).sort(latestFirst);
  const orderRows: ResolutionEvidence[] = [];
  for (const row of evidence.workingOrderRowsByDealId.get(dealId) ?? []) {
    const state = WORKING_ORDER_END_BY_STATUS.get(row.status);
    if (state !== undefined) orderRows.push(fromWorkingOrderRow(row, state));
  }
  const positionRows = (evidence.positionRowsByOrderId.get(dealId) ?? []).map((row) => fromPositionRow(dealId, row)).sort(latestFirst);
  return [...positions, ...orderRows.sort(latestFirst), ...positionRows];
}

function isoOf(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * Decides how `order` ended, or says why it cannot. `nowMs` is the monitor's run time; it is only
 * compared with the good-till time.
 */
export function resolveVanishedOrder(order: { dealId: string; goodTillMs?: number }, evidence: OrderEvidence, nowMs: number): OrderResolution {
  const { dealId } = order;
  const found = evidenceFor(dealId, evidence);
  const decisive = found[0];
  if (decisive !== undefined) {
    return { resolved: true, dealId, state: decisive.state, evidence: decisive, conflicts: found.filter((other) => other.state !== decisive.state) };
  }
  if (order.goodTillMs !== undefined && order.goodTillMs <= nowMs) {
    const expired: ResolutionEvidence = {
      rule: 'good-till-passed',
      state: 'EXPIRED',
      sentence: `no position or activity row explains ${dealId}, and its good-till time ${isoOf(order.goodTillMs)} is not after now (${isoOf(nowMs)})`,
      happenedAtMs: order.goodTillMs,
      goodTillMs: order.goodTillMs,
    };
    return { resolved: true, dealId, state: 'EXPIRED', evidence: expired, conflicts: [] };
  }
  const why = order.goodTillMs === undefined ? 'it is good till cancelled' : `its good-till time ${isoOf(order.goodTillMs)} is still ahead`;
  return { resolved: false, dealId, reason: `no position or activity row explains why ${dealId} left the working-order list, and ${why}; it stays flagged missing and may reappear` };
}

/**
 * The activity row that rejected an order we placed, looked up by the dealId its confirm gave and
 * by its dealReference (a rejected order may never get a usable dealId). The newest row wins.
 */
export function rejectionOfIntent(intent: { dealId?: string; dealReference?: string }, evidence: OrderEvidence): ResolutionEvidence | undefined {
  const rows = [
    ...(intent.dealId !== undefined ? (evidence.rejectionsByDealId.get(intent.dealId) ?? []) : []),
    ...(intent.dealReference !== undefined ? (evidence.rejectionsByDealReference.get(intent.dealReference) ?? []) : []),
  ];
  const found = [...new Set(rows)].map((row) =>
    withTime(
      {
        rule: 'rejected-activity' as const,
        state: 'REJECTED' as const,
        sentence: `activity ${row.type} REJECTED (source ${row.source}) for ${row.dealId}${row.details?.dealReference ? ` (deal reference ${row.details.dealReference})` : ''} at ${row.dateUtc} UTC`,
        activity: activityRef(row),
      },
      brokerUtcMs(row.dateUtc),
    ),
  );
  return found.sort(latestFirst)[0];
}
