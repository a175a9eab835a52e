/**
 * The trading governance policy: what every working order and open position must carry (a stop, a
 * guaranteed stop on some instrument types, a take-profit within a band) and how big it may be.
 * Checks report violations; they never block or change anything, the caller alerts.
 *
 * The policy is versioned like the matching rules: a change of meaning is a new `version`, and
 * every violation carries the version that raised it. Instrument types stay open: a type the
 * policy does not name has no size limit and needs no guaranteed stop.
 */
import { type OpenEnum } from '../capital/schemas/common';
import { type INSTRUMENT_TYPES } from '../capital/schemas/markets';
import { type Position } from '../capital/schemas/positions';
import { canonical, type Decimal, isDecimalText, toDecimal } from '../money';
import { type OrderTerms } from './order-snapshot';

export type InstrumentType = OpenEnum<(typeof INSTRUMENT_TYPES)[number]>;

export interface TakeProfitPolicy {
  required: boolean;
  /** Decimal text; |take-profit level − entry level| / entry level × 100 must be at least this. */
  minDistancePercent?: string;
  /** Decimal text; that percentage must be at most this. */
  maxDistancePercent?: string;
}

export interface GovernancePolicy {
  /** Goes into every violation. */
  version: string;
  /** A stop level, a stop distance or a trailing stop. */
  requireStop: boolean;
  requireGuaranteedStopFor: readonly InstrumentType[];
  takeProfit: TakeProfitPolicy;
  /** Largest order or position size per instrument type, decimal text; unnamed types are unlimited. */
  maxSizeByInstrumentType: Readonly<Partial<Record<InstrumentType, string>>>;
  /** The broker does not allow both on one deal, so seeing both means something is wrong. */
  forbidTrailingWithGuaranteed: boolean;
}

/**
 * Stops are required: an order without one has unbounded loss. Guaranteed stops cost a premium and
 * size limits depend on the account, so neither has a default; a take-profit is a choice.
 */
export const DEFAULT_GOVERNANCE_POLICY: Readonly<GovernancePolicy> = Object.freeze({
  version: 'v1',
  requireStop: true,
  requireGuaranteedStopFor: Object.freeze([]),
  takeProfit: Object.freeze({ required: false }),
  maxSizeByInstrumentType: Object.freeze({}),
  forbidTrailingWithGuaranteed: true,
});

export const GOVERNANCE_RULE = {
  stopRequired: 'stop-required',
  guaranteedStopRequired: 'guaranteed-stop-required',
  takeProfitRequired: 'take-profit-required',
  takeProfitDistance: 'take-profit-distance',
  maxSize: 'max-size',
  trailingWithGuaranteed: 'trailing-with-guaranteed',
} as const;
export type GovernanceRule = (typeof GOVERNANCE_RULE)[keyof typeof GOVERNANCE_RULE];

export type ViolationSeverity = 'warning' | 'critical';

/** Missing protection and oversize deals are critical; take-profit choices are warnings. */
export const SEVERITY_BY_RULE: Readonly<Record<GovernanceRule, ViolationSeverity>> = Object.freeze({
  'stop-required': 'critical',
  'guaranteed-stop-required': 'critical',
  'take-profit-required': 'warning',
  'take-profit-distance': 'warning',
  'max-size': 'critical',
  'trailing-with-guaranteed': 'critical',
});

export interface GovernanceViolation {
  rule: GovernanceRule;
  severity: ViolationSeverity;
  /** The dealId of the order or position. */
  subject: string;
  message: string;
  policyVersion: string;
}

export class GovernancePolicyError extends Error {
  override name = 'GovernancePolicyError';
}

const POLICY_KEYS = ['version', 'requireStop', 'requireGuaranteedStopFor', 'takeProfit', 'maxSizeByInstrumentType', 'forbidTrailingWithGuaranteed'];
const TAKE_PROFIT_KEYS = ['required', 'minDistancePercent', 'maxDistancePercent'];
/** Broker instrument types are upper case; 'shares' would silently never match. */
const INSTRUMENT_TYPE_TEXT = /^[A-Z][A-Z0-9_]{0,63}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuseUnknownKeys(value: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new GovernancePolicyError(`${where} has unknown field(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
}

function requireBoolean(value: unknown, where: string): void {
  if (typeof value !== 'boolean') throw new GovernancePolicyError(`${where} must be true or false, got ${JSON.stringify(value) ?? 'nothing'}`);
}

/** Decimal text ≥ 0 (or > 0 when `positive`); numbers are refused so no float slips into a limit. */
function requireDecimalText(value: unknown, where: string, positive: boolean): Decimal {
  if (typeof value !== 'string' || !isDecimalText(value)) throw new GovernancePolicyError(`${where} must be decimal text such as '10', got ${JSON.stringify(value) ?? 'nothing'}`);
  const amount = toDecimal(value);
  if (positive ? amount.lte(0) : amount.lt(0)) throw new GovernancePolicyError(`${where} must be ${positive ? 'above zero' : 'zero or more'}, got '${value}'`);
  return amount;
}

function validateTakeProfit(value: unknown): void {
  if (!isRecord(value)) throw new GovernancePolicyError('takeProfit must be an object { required, minDistancePercent?, maxDistancePercent? }');
  refuseUnknownKeys(value, TAKE_PROFIT_KEYS, 'takeProfit');
  requireBoolean(value.required, 'takeProfit.required');
  const min = value.minDistancePercent === undefined ? undefined : requireDecimalText(value.minDistancePercent, 'takeProfit.minDistancePercent', false);
  const max = value.maxDistancePercent === undefined ? undefined : requireDecimalText(value.maxDistancePercent, 'takeProfit.maxDistancePercent', true);
  if (min !== undefined && max !== undefined && min.gt(max)) throw new GovernancePolicyError(`takeProfit.minDistancePercent ${canonical(min)} is above maxDistancePercent ${canonical(max)}`);
}

/** Checks a policy (from config or the database) field by field; throws `GovernancePolicyError` naming the first bad one. */
export function validateGovernancePolicy(policy: unknown): GovernancePolicy {
  if (!isRecord(policy)) throw new GovernancePolicyError('a governance policy must be an object');
  refuseUnknownKeys(policy, POLICY_KEYS, 'the policy');
  const { version } = policy;
  if (typeof version !== 'string' || !/^[A-Za-z0-9._-]{1,32}$/.test(version)) throw new GovernancePolicyError(`version must be 1–32 of [A-Za-z0-9._-], got ${JSON.stringify(version) ?? 'nothing'}`);
  requireBoolean(policy.requireStop, 'requireStop');
  requireBoolean(policy.forbidTrailingWithGuaranteed, 'forbidTrailingWithGuaranteed');
  const guaranteed = policy.requireGuaranteedStopFor;
  if (!Array.isArray(guaranteed)) throw new GovernancePolicyError('requireGuaranteedStopFor must be a list of instrument types');
  for (const type of guaranteed) {
    if (typeof type !== 'string' || !INSTRUMENT_TYPE_TEXT.test(type)) throw new GovernancePolicyError(`requireGuaranteedStopFor: ${JSON.stringify(type)} is not an instrument type such as SHARES`);
  }
  if (new Set(guaranteed).size !== guaranteed.length) throw new GovernancePolicyError('requireGuaranteedStopFor names an instrument type twice');
  validateTakeProfit(policy.takeProfit);
  const sizes = policy.maxSizeByInstrumentType;
  if (!isRecord(sizes)) throw new GovernancePolicyError('maxSizeByInstrumentType must be an object of instrument type → decimal text');
  for (const [type, max] of Object.entries(sizes)) {
    if (!INSTRUMENT_TYPE_TEXT.test(type)) throw new GovernancePolicyError(`maxSizeByInstrumentType: '${type}' is not an instrument type such as SHARES`);
    requireDecimalText(max, `maxSizeByInstrumentType.${type}`, true);
  }
  return policy as unknown as GovernancePolicy;
}

/** An order or a position, as the rules see it. */
interface Governed {
  subject: string;
  what: 'order' | 'position';
  size: Decimal;
  entryLevel: Decimal;
  hasStop: boolean;
  profitLevel?: Decimal;
  profitDistance?: Decimal;
  guaranteedStop: boolean;
  trailingStop: boolean;
}

function governedOrder(terms: OrderTerms): Governed {
  const governed: Governed = {
    subject: terms.dealId,
    what: 'order',
    size: toDecimal(terms.size),
    entryLevel: toDecimal(terms.level),
    hasStop: terms.stopLevel !== undefined || terms.stopDistance !== undefined || terms.trailingStop,
    guaranteedStop: terms.guaranteedStop,
    trailingStop: terms.trailingStop,
  };
  if (terms.profitLevel !== undefined) governed.profitLevel = toDecimal(terms.profitLevel);
  if (terms.profitDistance !== undefined) governed.profitDistance = toDecimal(terms.profitDistance);
  return governed;
}

function governedPosition(position: Position): Governed {
  const trailingStop = position.trailingStop ?? false;
  const governed: Governed = {
    subject: position.dealId,
    what: 'position',
    size: toDecimal(position.size),
    entryLevel: toDecimal(position.level),
    hasStop: position.stopLevel !== undefined || position.stopDistance !== undefined || trailingStop,
    guaranteedStop: position.guaranteedStop,
    trailingStop,
  };
  if (position.profitLevel !== undefined) governed.profitLevel = toDecimal(position.profitLevel);
  if (position.profitDistance !== undefined) governed.profitDistance = toDecimal(position.profitDistance);
  return governed;
}

/** |take-profit − entry| / entry × 100; from the level when held, else from the distance. */
function takeProfitPercent(governed: Governed): Decimal | undefined {
  const distance = governed.profitLevel !== undefined ? governed.profitLevel.minus(governed.entryLevel).abs() : governed.profitDistance?.abs();
  if (distance === undefined || governed.entryLevel.lte(0)) return undefined;
  return distance.dividedBy(governed.entryLevel).times(100);
}

function check(governed: Governed, instrumentType: InstrumentType, policy: GovernancePolicy): GovernanceViolation[] {
  validateGovernancePolicy(policy);
  const violations: GovernanceViolation[] = [];
  const raise = (rule: GovernanceRule, message: string): void => {
    violations.push({ rule, severity: SEVERITY_BY_RULE[rule], subject: governed.subject, message, policyVersion: policy.version });
  };
  const name = `${governed.what} ${governed.subject}`;
  if (policy.requireStop && !governed.hasStop) raise('stop-required', `${name} has no stop (no stop level, stop distance or trailing stop)`);
  if (policy.requireGuaranteedStopFor.includes(instrumentType) && !governed.guaranteedStop) raise('guaranteed-stop-required', `${name} is on ${instrumentType}, which requires a guaranteed stop, and has none`);
  const hasTakeProfit = governed.profitLevel !== undefined || governed.profitDistance !== undefined;
  if (policy.takeProfit.required && !hasTakeProfit) raise('take-profit-required', `${name} has no take-profit`);
  if (hasTakeProfit && (policy.takeProfit.minDistancePercent !== undefined || policy.takeProfit.maxDistancePercent !== undefined)) {
    const percent = takeProfitPercent(governed);
    const { minDistancePercent: min, maxDistancePercent: max } = policy.takeProfit;
    if (percent === undefined) raise('take-profit-distance', `${name} has entry level ${canonical(governed.entryLevel)}, so its take-profit distance cannot be measured`);
    else if (min !== undefined && percent.lt(toDecimal(min))) raise('take-profit-distance', `${name} has its take-profit ${canonical(percent.toDecimalPlaces(4))}% from entry, below the minimum of ${min}%`);
    else if (max !== undefined && percent.gt(toDecimal(max))) raise('take-profit-distance', `${name} has its take-profit ${canonical(percent.toDecimalPlaces(4))}% from entry, above the maximum of ${max}%`);
  }
  const maxSize = Object.hasOwn(policy.maxSizeByInstrumentType, instrumentType) ? policy.maxSizeByInstrumentType[instrumentType] : undefined;
  if (maxSize !== undefined && governed.size.abs().gt(toDecimal(maxSize))) raise('max-size', `${name} has size ${canonical(governed.size)}, above the ${instrumentType} limit of ${maxSize}`);
  if (policy.forbidTrailingWithGuaranteed && governed.trailingStop && governed.guaranteedStop) raise('trailing-with-guaranteed', `${name} has both a trailing stop and a guaranteed stop`);
  return violations;
}

/** Violations of a working order; `instrumentType` is its market's. */
export function checkOrder(terms: OrderTerms, instrumentType: InstrumentType, policy: GovernancePolicy = DEFAULT_GOVERNANCE_POLICY): GovernanceViolation[] {
  return check(governedOrder(terms), instrumentType, policy);
}

/** Violations of an open position; `instrumentType` is its market's. */
export function checkPosition(position: Position, instrumentType: InstrumentType, policy: GovernancePolicy = DEFAULT_GOVERNANCE_POLICY): GovernanceViolation[] {
  return check(governedPosition(position), instrumentType, policy);
}
