/**
 * Exposure limits: a versioned, validated config, and the breaches a snapshot shows against it.
 *
 * For a limit L and a figure v (the figure as published, so a breach shows what was compared):
 *   critical   v > L × criticalAtPercentOfLimit ÷ 100 (150 by default)
 *   breach     v > L
 *   warning    v ≥ L × warnAtPercentOfLimit ÷ 100 (80 by default)
 * and a leverage limit is critical whenever equity ≤ 0 with anything exposed, since no ratio
 * exists then and every unit of exposure is unbacked.
 *
 * Absolute amounts (maxGross…) are in the account currency and depend on the account, so the
 * shipped defaults set none: they bound leverage (gross ÷ equity), which scales with the account.
 */
import { z } from 'zod';
import { instrumentId, isInstrumentId, InstrumentIdError } from '../ledger/instrument-id';
import { canonical, type Decimal, MoneyError, toDecimal } from '../money';
import { compareText, fractionOf, percentOf } from './exposure-decimals';
import {
  type ExposureAggregate,
  type ExposureBreach,
  type ExposureConcentration,
  type ExposureFigures,
  type ExposureLimitName,
  type ExposureSeverity,
  type InstrumentExposure,
  type UnconvertedPosition,
} from './exposure-types';

/** Keys per map: a limits file is written by people, and anything longer is a mistake. */
export const LIMIT_KEYS_MAX = 1000;
const INSTRUMENT_TYPE_KEY = /^[A-Z][A-Z0-9_]*$/;

function decimalText(problemOf: (amount: Decimal) => string | undefined) {
  return z.union([z.string(), z.number()], { error: 'expected a decimal number or decimal text' }).transform((value, ctx) => {
    let amount: Decimal;
    try {
      amount = toDecimal(value);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: error instanceof MoneyError ? error.message : 'not a decimal', input: value });
      return z.NEVER;
    }
    const problem = problemOf(amount);
    if (problem !== undefined) {
      ctx.issues.push({ code: 'custom', message: problem, input: value });
      return z.NEVER;
    }
    return canonical(amount);
  });
}

const positiveAmount = decimalText((amount) => (amount.gt(0) ? undefined : `must be greater than 0, got ${canonical(amount)}`));
const percentOfWhole = decimalText((amount) => (amount.gt(0) && amount.lte(100) ? undefined : `must be a percent in (0, 100], got ${canonical(amount)}`));
const warnPercent = decimalText((amount) => (amount.gt(0) && amount.lt(100) ? undefined : `must be a percent in (0, 100), got ${canonical(amount)}`));
const criticalPercent = decimalText((amount) => (amount.gt(100) && amount.lte(1000) ? undefined : `must be a percent in (100, 1000], got ${canonical(amount)}`));

// Keys are checked in superRefine below: zod reports a bad record key only as "Invalid key in record".
function limitMap() {
  return z
    .record(z.string(), positiveAmount)
    .refine((map) => Object.keys(map).length <= LIMIT_KEYS_MAX, { error: `at most ${LIMIT_KEYS_MAX} keys` })
    .default(() => ({}));
}

export const exposureLimitsSchema = z
  .strictObject({
    /** Goes into every breach's rule, `limit@version`. */
    version: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'version must be 1–32 of [A-Za-z0-9._-]'),
    /** Gross exposure per instrument type, account currency. */
    maxGrossByInstrumentType: limitMap(),
    /** Gross exposure of the type ÷ equity. */
    maxLeverageByInstrumentType: limitMap(),
    /** Gross exposure per instrument, account currency, keyed by epic or instrumentId. */
    maxGrossByInstrument: limitMap(),
    /** Total gross exposure ÷ equity. */
    maxEffectiveLeverage: positiveAmount.optional(),
    /** The largest instrument's share of the total gross, percent. */
    maxConcentrationPercent: percentOfWhole.optional(),
    /** Concentration is only judged across this many exposed instruments: one position is always 100 %. */
    concentrationMinInstruments: z.number().int().min(1).max(LIMIT_KEYS_MAX).default(3),
    warnAtPercentOfLimit: warnPercent.default('80'),
    criticalAtPercentOfLimit: criticalPercent.default('150'),
    /** A total or per-type gross that moves by more than this percent since the previous snapshot is a fast change. */
    fastChangePercent: positiveAmount.optional(),
  })
  .superRefine((limits, ctx) => {
    for (const field of ['maxGrossByInstrumentType', 'maxLeverageByInstrumentType'] as const) {
      for (const key of Object.keys(limits[field])) {
        if (!INSTRUMENT_TYPE_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [field, key], message: `'${key}' is not an instrument type: upper case, digits and "_" (CRYPTOCURRENCIES, SHARES)` });
      }
    }
    const keysById = new Map<string, string>();
    for (const key of Object.keys(limits.maxGrossByInstrument)) {
      let id: string;
      try {
        id = instrumentLimitId(key);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['maxGrossByInstrument', key], message: error instanceof InstrumentIdError ? error.message : 'not an epic' });
        continue;
      }
      const earlier = keysById.get(id);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['maxGrossByInstrument', key], message: `'${key}' and '${earlier}' are the same instrument` });
      keysById.set(id, key);
    }
  });

export type ExposureLimits = z.output<typeof exposureLimitsSchema>;
/** What a limits file may say: numbers or decimal text, optional fields left out. */
export type ExposureLimitsInput = z.input<typeof exposureLimitsSchema>;

/**
 * Starting points, not advice. Per type, half the ESMA retail leverage caps (crypto 2, shares 5,
 * commodities other than gold 10, major indices 20, major currency pairs 30): at the cap the whole
 * equity is margin on that one class, so half is already a heavy book. Total leverage 10, and no
 * instrument above 60 % of the gross once the book spans three instruments or more.
 */
export const DEFAULT_EXPOSURE_LIMITS: Readonly<ExposureLimits> = Object.freeze({
  version: 'default-v1',
  maxGrossByInstrumentType: Object.freeze({}),
  maxLeverageByInstrumentType: Object.freeze({ COMMODITIES: '5', CRYPTOCURRENCIES: '1', CURRENCIES: '15', INDICES: '10', SHARES: '2.5' }),
  maxGrossByInstrument: Object.freeze({}),
  maxEffectiveLeverage: '10',
  maxConcentrationPercent: '60',
  concentrationMinInstruments: 3,
  warnAtPercentOfLimit: '80',
  criticalAtPercentOfLimit: '150',
  fastChangePercent: '25',
});

export interface ExposureLimitsProblem {
  path: string;
  reason: string;
}

export class ExposureLimitsError extends Error {
  override name = 'ExposureLimitsError';
  readonly problems: readonly ExposureLimitsProblem[];

  constructor(problems: readonly ExposureLimitsProblem[]) {
    super(`invalid exposure limits: ${problems.map(({ path, reason }) => (path === '' ? reason : `${path}: ${reason}`)).join('; ')}`);
    this.problems = problems;
  }
}

/** Validates a limits config (from a file or code), fills defaults and writes amounts canonically. */
export function parseExposureLimits(value: unknown): ExposureLimits {
  const parsed = exposureLimitsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ExposureLimitsError(parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), reason: issue.message })));
}

/** A maxGrossByInstrument key as the instrumentId it limits. */
export function instrumentLimitId(key: string): string {
  return isInstrumentId(key.trim()) ? key.trim() : instrumentId(key);
}

function severityOf(value: Decimal, limit: Decimal, limits: ExposureLimits): ExposureSeverity | undefined {
  if (value.gt(fractionOf(limit, toDecimal(limits.criticalAtPercentOfLimit)))) return 'critical';
  if (value.gt(limit)) return 'breach';
  if (value.gte(fractionOf(limit, toDecimal(limits.warnAtPercentOfLimit)))) return 'warning';
  return undefined;
}

const SEVERITY_WORDS: Record<ExposureSeverity, string> = { warning: 'near', breach: 'over', critical: 'far over' };

/** What the limits are judged on: the snapshot's figures. */
export interface LimitsSubject {
  accountCurrency: string;
  equity: Decimal;
  totals: ExposureFigures;
  byInstrument: readonly InstrumentExposure[];
  byInstrumentType: readonly ExposureAggregate[];
  concentration: ExposureConcentration | null;
  unconverted: readonly UnconvertedPosition[];
}

export function evaluateLimits(limits: ExposureLimits, subject: LimitsSubject): ExposureBreach[] {
  const breaches: ExposureBreach[] = [];
  const raise = (limit: ExposureLimitName, key: string, value: string | null, threshold: string | null, severity: ExposureSeverity, message: string): void => {
    breaches.push({ limit, rule: `${limit}@${limits.version}`, key, value, threshold, severity, message });
  };
  const judge = (limit: ExposureLimitName, key: string, what: string, value: string, threshold: string, unit: string): void => {
    const severity = severityOf(toDecimal(value), toDecimal(threshold), limits);
    if (severity === undefined) return;
    const share = canonical(percentOf(toDecimal(value), toDecimal(threshold)).toDecimalPlaces(2));
    raise(limit, key, value, threshold, severity, `${what} ${value}${unit} is ${SEVERITY_WORDS[severity]} the limit ${threshold}${unit} (${share}% of it)`);
  };
  const judgeLeverage = (limit: ExposureLimitName, key: string, what: string, figures: ExposureFigures, threshold: string): void => {
    if (figures.leverage !== null) return judge(limit, key, `${what} leverage`, figures.leverage, threshold, '');
    if (toDecimal(figures.grossExposure).isZero()) return;
    const equity = `${canonical(subject.equity)} ${subject.accountCurrency}`;
    raise(limit, key, null, threshold, 'critical', `equity is ${equity} with ${what} gross exposure ${figures.grossExposure} ${subject.accountCurrency}: every unit of it is unbacked`);
  };
  const currency = ` ${subject.accountCurrency}`;

  const types = new Map(subject.byInstrumentType.map((aggregate) => [aggregate.key, aggregate]));
  for (const [type, threshold] of Object.entries(limits.maxGrossByInstrumentType)) {
    const aggregate = types.get(type);
    if (aggregate) judge('maxGrossByInstrumentType', type, `${type} gross exposure`, aggregate.grossExposure, threshold, currency);
  }
  for (const [type, threshold] of Object.entries(limits.maxLeverageByInstrumentType)) {
    const aggregate = types.get(type);
    if (aggregate) judgeLeverage('maxLeverageByInstrumentType', type, type, aggregate, threshold);
  }
  const instruments = new Map(subject.byInstrument.map((aggregate) => [aggregate.key, aggregate]));
  for (const [key, threshold] of Object.entries(limits.maxGrossByInstrument)) {
    const aggregate = instruments.get(instrumentLimitId(key));
    if (aggregate) judge('maxGrossByInstrument', aggregate.key, `${aggregate.epic} gross exposure`, aggregate.grossExposure, threshold, currency);
  }
  if (limits.maxEffectiveLeverage !== undefined) judgeLeverage('maxEffectiveLeverage', 'total', 'effective', subject.totals, limits.maxEffectiveLeverage);
  const concentration = subject.concentration;
  if (limits.maxConcentrationPercent !== undefined && concentration !== null && concentration.instrumentCount >= limits.concentrationMinInstruments) {
    judge('maxConcentrationPercent', concentration.instrumentId, `${concentration.epic}'s share of gross exposure`, concentration.percent, limits.maxConcentrationPercent, '%');
  }
  for (const [code, positions] of groupedByCurrency(subject.unconverted)) {
    raise('fxRateAvailable', code, null, null, 'critical', `${positions.length} position(s) in ${code} (${positions.map((p) => p.dealId).join(', ')}) have no FX rate into ${subject.accountCurrency}: their exposure is missing from every total`);
  }
  return breaches.sort((a, b) => compareText(a.limit, b.limit) || compareText(a.key, b.key));
}

function groupedByCurrency(unconverted: readonly UnconvertedPosition[]): [string, UnconvertedPosition[]][] {
  const groups = new Map<string, UnconvertedPosition[]>();
  for (const position of unconverted) {
    const group = groups.get(position.currency);
    if (group) group.push(position);
    else groups.set(position.currency, [position]);
  }
  return [...groups.entries()].sort(([a], [b]) => compareText(a, b));
}
