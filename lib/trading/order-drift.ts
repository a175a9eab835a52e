/**
 * Intended vs executed: every term the broker holds differently from what we asked for. A drift is
 * not necessarily an error (the broker may round a level to its tick), but each one is reported
 * with both values so someone decides.
 *
 * Rules of comparison:
 * - Decimals are compared by value ("1.50" = "1.5"), distances by absolute value (the docs say
 *   they may be signed).
 * - The level of a MARKET order is not drift: it fills at the market. Against a position, no level
 *   is compared at all: the open level is the fill price, not a requested term.
 * - A stop or take-profit asked for in one form (distance or level) and held in the other is
 *   compared as a level, converting the distance with the held reference level (the order's level,
 *   or the position's open level) and the direction:
 *     BUY:  stopLevel = level − distance, profitLevel = level + distance
 *     SELL: stopLevel = level + distance, profitLevel = level − distance
 *   The drift names `stopLevel` / `profitLevel` and its note says which side was converted.
 * - A trailing stop's level moves with the price, so when both sides trail, the stop is compared
 *   as a distance (a level is turned into its distance from the reference level).
 * - Unset flags (guaranteedStop, trailingStop) mean false: that is what the broker applies.
 */
import { type Direction } from '../capital/schemas/common';
import { type Position } from '../capital/schemas/positions';
import { normaliseEpic } from '../ledger/instrument-id';
import { canonical, type Decimal, toDecimal } from '../money';
import { type OrderTerms, type TermValue } from './order-snapshot';

export type IntentOrderType = 'MARKET' | 'LIMIT' | 'STOP';
export type DecimalInput = string | Decimal;

/** The order terms a trade intent asked the broker for. */
export interface OrderIntentTerms {
  epic: string;
  direction: Direction;
  size: DecimalInput;
  orderType: IntentOrderType;
  /** Required for LIMIT and STOP; ignored for MARKET. */
  level?: DecimalInput;
  stopDistance?: DecimalInput;
  stopLevel?: DecimalInput;
  profitDistance?: DecimalInput;
  profitLevel?: DecimalInput;
  guaranteedStop?: boolean;
  trailingStop?: boolean;
  goodTillMs?: number;
}

export type DriftField = 'epic' | 'direction' | 'orderType' | 'size' | 'level' | 'stopLevel' | 'stopDistance' | 'profitLevel' | 'profitDistance' | 'guaranteedStop' | 'trailingStop' | 'goodTillMs';

export interface Drift {
  field: DriftField;
  /** Decimals as canonical text; null when not asked for. */
  requested: TermValue;
  /** null when the broker does not hold it. */
  held: TermValue;
  /** How the values were made comparable, when one was converted. */
  note?: string;
}

type BracketSide = 'stop' | 'profit';

interface Bracket {
  distance?: Decimal;
  level?: Decimal;
}

/** What the broker holds, in one shape for a working order and a position. */
interface Held {
  kind: 'order' | 'position';
  epic?: string;
  direction: Direction;
  orderType?: string;
  size: Decimal;
  /** The order level, or the position's open level. */
  level: Decimal;
  stop: Bracket;
  profit: Bracket;
  guaranteedStop: boolean;
  trailingStop: boolean;
  goodTillMs?: number;
}

function optionalDecimal(value: DecimalInput | undefined): Decimal | undefined {
  return value === undefined ? undefined : toDecimal(value);
}

function bracket(distance: DecimalInput | undefined, level: DecimalInput | undefined): Bracket {
  const result: Bracket = {};
  const d = optionalDecimal(distance);
  const l = optionalDecimal(level);
  if (d !== undefined) result.distance = d.abs();
  if (l !== undefined) result.level = l;
  return result;
}

function heldFromOrder(terms: OrderTerms): Held {
  const held: Held = {
    kind: 'order',
    epic: terms.epic,
    direction: terms.direction,
    orderType: terms.orderType,
    size: toDecimal(terms.size),
    level: toDecimal(terms.level),
    stop: bracket(terms.stopDistance, terms.stopLevel),
    profit: bracket(terms.profitDistance, terms.profitLevel),
    guaranteedStop: terms.guaranteedStop,
    trailingStop: terms.trailingStop,
  };
  if (terms.goodTillMs !== undefined) held.goodTillMs = terms.goodTillMs;
  return held;
}

function heldFromPosition(position: Position, epic: string | undefined): Held {
  const held: Held = {
    kind: 'position',
    direction: position.direction,
    size: toDecimal(position.size),
    level: toDecimal(position.level),
    stop: bracket(position.stopDistance, position.stopLevel),
    profit: bracket(position.profitDistance, position.profitLevel),
    guaranteedStop: position.guaranteedStop,
    trailingStop: position.trailingStop ?? false,
  };
  if (epic !== undefined) held.epic = epic;
  return held;
}

/** The level a distance puts the stop or take-profit at, for an order at `level` in `direction`. */
export function levelFromDistance(level: Decimal, distance: Decimal, direction: Direction, side: BracketSide): Decimal {
  const below = (direction === 'BUY') === (side === 'stop');
  return below ? level.minus(distance.abs()) : level.plus(distance.abs());
}

function text(value: Decimal | undefined): string | null {
  return value === undefined ? null : canonical(value);
}

function sameDecimal(a: Decimal | undefined, b: Decimal | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.eq(b);
}

function bracketDrift(side: BracketSide, requested: Bracket, held: Held, trailing: boolean): Drift | undefined {
  const have = held[side];
  const levelField: DriftField = `${side}Level`;
  const distanceField: DriftField = `${side}Distance`;
  const asked = requested.level !== undefined || requested.distance !== undefined;
  const holds = have.level !== undefined || have.distance !== undefined;
  if (!asked && !holds) return undefined;
  if (!asked) {
    return have.level !== undefined
      ? { field: levelField, requested: null, held: text(have.level), note: 'held but not requested' }
      : { field: distanceField, requested: null, held: text(have.distance), note: 'held but not requested' };
  }
  if (!holds) {
    return requested.level !== undefined ? { field: levelField, requested: text(requested.level), held: null } : { field: distanceField, requested: text(requested.distance), held: null };
  }
  if (trailing && side === 'stop') {
    const askedDistance = requested.distance ?? (requested.level as Decimal).minus(held.level).abs();
    const heldDistance = have.distance ?? (have.level as Decimal).minus(held.level).abs();
    if (askedDistance.eq(heldDistance)) return undefined;
    return { field: distanceField, requested: text(askedDistance), held: text(heldDistance), note: `trailing stop compared as a distance from level ${canonical(held.level)}` };
  }
  if (requested.level !== undefined) {
    if (have.level !== undefined) return sameDecimal(requested.level, have.level) ? undefined : { field: levelField, requested: text(requested.level), held: text(have.level) };
    const heldLevel = levelFromDistance(held.level, have.distance as Decimal, held.direction, side);
    if (requested.level.eq(heldLevel)) return undefined;
    return { field: levelField, requested: text(requested.level), held: text(heldLevel), note: `held as distance ${canonical(have.distance as Decimal)} from level ${canonical(held.level)}` };
  }
  const askedDistance = requested.distance as Decimal;
  if (have.distance !== undefined) return askedDistance.eq(have.distance) ? undefined : { field: distanceField, requested: text(askedDistance), held: text(have.distance) };
  const askedLevel = levelFromDistance(held.level, askedDistance, held.direction, side);
  if (askedLevel.eq(have.level as Decimal)) return undefined;
  return { field: levelField, requested: text(askedLevel), held: text(have.level), note: `requested as distance ${canonical(askedDistance)} from level ${canonical(held.level)}` };
}

function compare(intent: OrderIntentTerms, held: Held): Drift[] {
  const drifts: Drift[] = [];
  const flag = (field: DriftField, requested: TermValue, heldValue: TermValue): void => {
    if (requested !== heldValue) drifts.push({ field, requested, held: heldValue });
  };
  if (held.epic !== undefined && normaliseEpic(intent.epic) !== normaliseEpic(held.epic)) drifts.push({ field: 'epic', requested: intent.epic, held: held.epic });
  flag('direction', intent.direction, held.direction);
  if (held.kind === 'order') flag('orderType', intent.orderType, held.orderType ?? null);
  const size = toDecimal(intent.size);
  if (!size.eq(held.size)) drifts.push({ field: 'size', requested: canonical(size), held: canonical(held.size) });
  if (held.kind === 'order' && intent.orderType !== 'MARKET') {
    const level = optionalDecimal(intent.level);
    if (!sameDecimal(level, held.level)) drifts.push({ field: 'level', requested: text(level), held: canonical(held.level) });
  }
  const trailing = (intent.trailingStop ?? false) && held.trailingStop;
  for (const side of ['stop', 'profit'] as const) {
    const requested = side === 'stop' ? bracket(intent.stopDistance, intent.stopLevel) : bracket(intent.profitDistance, intent.profitLevel);
    const drift = bracketDrift(side, requested, held, trailing);
    if (drift) drifts.push(drift);
  }
  flag('guaranteedStop', intent.guaranteedStop ?? false, held.guaranteedStop);
  flag('trailingStop', intent.trailingStop ?? false, held.trailingStop);
  if (held.kind === 'order') flag('goodTillMs', intent.goodTillMs ?? null, held.goodTillMs ?? null);
  return drifts;
}

/** Drift between an intent and the working order it became. */
export function driftAgainstOrder(intent: OrderIntentTerms, terms: OrderTerms): Drift[] {
  return compare(intent, heldFromOrder(terms));
}

/**
 * Drift between an intent and the position it filled into (a market order, or a filled working
 * order). `Position` carries no epic: pass the market's epic to have it compared too.
 */
export function driftAgainstPosition(intent: OrderIntentTerms, position: Position, epic?: string): Drift[] {
  return compare(intent, heldFromPosition(position, epic));
}
