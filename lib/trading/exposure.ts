/**
 * Exposure snapshots: an account's open positions valued in its currency, summed by instrument,
 * instrument type and currency, with effective leverage, concentration, the changes since the
 * previous snapshot, and the breaches of the limits. Pure: the caller passes the positions, the
 * market details, the equity, FX rates and the time. Formulas and invariants: EXPOSURE.md.
 *
 * The same inputs in any order give the identical snapshot (every list is sorted by its key), and
 * the snapshot is plain JSON-safe data that can be stored and passed back as `previous`.
 */
import { InstrumentIdError, normaliseEpic } from '../ledger/instrument-id';
import { canonical } from '../money';
import { assertGroupingsAddUp, byCurrency, byInstrument, byInstrumentType, concentrationOf, effectiveLeverage, totalsOf } from './exposure-aggregate';
import { exposureChanges, type PreviousExposure } from './exposure-changes';
import { compareText, decimalField, type DecimalInput } from './exposure-decimals';
import { type MissingFxRatePolicy, resolveFxRates } from './exposure-fx';
import { DEFAULT_EXPOSURE_LIMITS, evaluateLimits, type ExposureLimitsInput, parseExposureLimits } from './exposure-limits';
import { type ExposureInstrumentInput, type ExposurePositionInput, instrumentCurrencyOf, valuePosition } from './exposure-position';
import { EXPOSURE_SNAPSHOT_VERSION, ExposureInputError, type ExposureSnapshot, type PositionExposure, type UnconvertedPosition } from './exposure-types';

export * from './exposure-types';
export { QUOTIENT_DECIMALS, type DecimalInput } from './exposure-decimals';
export { ExposureFxRateError, type MissingFxRate, type MissingFxRatePolicy } from './exposure-fx';
export { type ExposureInstrumentInput, type ExposurePositionInput } from './exposure-position';
export { type PreviousExposure } from './exposure-changes';
export {
  DEFAULT_EXPOSURE_LIMITS,
  ExposureLimitsError,
  exposureLimitsSchema,
  instrumentLimitId,
  LIMIT_KEYS_MAX,
  parseExposureLimits,
  type ExposureLimits,
  type ExposureLimitsInput,
  type ExposureLimitsProblem,
} from './exposure-limits';

/** An account with more open positions than this is not one this snapshot was sized for. */
export const EXPOSURE_POSITIONS_MAX = 10_000;

export interface ExposureSnapshotInput {
  accountId: string;
  /** The broker's code, `GBP` or `USDd`. */
  accountCurrency: string;
  /** Balance + unrealised P/L, account currency (from `/accounts`). */
  equity: DecimalInput;
  /** `GET /positions` as parsed (PositionWithMarket), or anything with those fields. */
  positions: readonly ExposurePositionInput[];
  /** Market details' `instrument` by epic; without one, margin falls back to the position's leverage. */
  instruments: Readonly<Record<string, ExposureInstrumentInput>>;
  /** Account-currency units per unit of each instrument currency, decimal text (fx-rates.ts). */
  fxRates: Readonly<Record<string, string>>;
  /** When the snapshot is taken, epoch ms; the caller's clock, never read here. */
  atMs: number;
  previous?: PreviousExposure | null;
  /** DEFAULT_EXPOSURE_LIMITS when absent; validated either way. */
  limits?: ExposureLimitsInput;
  /** 'error' (default) refuses a currency without a rate; 'unconverted' keeps and flags its positions. */
  onMissingFxRate?: MissingFxRatePolicy;
}

function instrumentsByEpic(instruments: Readonly<Record<string, ExposureInstrumentInput>>): Map<string, ExposureInstrumentInput> {
  const byEpic = new Map<string, ExposureInstrumentInput>();
  for (const [epic, instrument] of Object.entries(instruments)) {
    let key: string;
    try {
      key = normaliseEpic(epic);
    } catch (error) {
      if (error instanceof InstrumentIdError) throw new ExposureInputError(`instruments: ${error.message}`);
      throw error;
    }
    if (byEpic.has(key)) throw new ExposureInputError(`instruments: '${epic}' is given twice (epics compare trimmed and upper case)`);
    byEpic.set(key, instrument);
  }
  return byEpic;
}

function instrumentFor(input: ExposurePositionInput, byEpic: ReadonlyMap<string, ExposureInstrumentInput>): ExposureInstrumentInput | undefined {
  const epic = input.market?.epic;
  if (typeof epic !== 'string' || epic.trim() === '') throw new ExposureInputError(`position ${String(input.position?.dealId)} has no market epic`);
  return byEpic.get(normaliseEpic(epic));
}

function checkShape(input: ExposureSnapshotInput): void {
  if (typeof input.accountId !== 'string' || input.accountId.trim() === '') throw new ExposureInputError('accountId is empty');
  if (!Number.isSafeInteger(input.atMs) || input.atMs < 0) throw new ExposureInputError(`atMs must be epoch milliseconds, got ${String(input.atMs)}`);
  if (input.positions.length > EXPOSURE_POSITIONS_MAX) throw new ExposureInputError(`${input.positions.length} positions: more than ${EXPOSURE_POSITIONS_MAX}`);
  const seen = new Set<string>();
  for (const { position } of input.positions) {
    if (seen.has(position.dealId)) throw new ExposureInputError(`position ${position.dealId} is listed twice`);
    seen.add(position.dealId);
  }
}

function byEpicThenDeal(a: PositionExposure, b: PositionExposure): number {
  return compareText(a.epic, b.epic) || compareText(a.dealId, b.dealId);
}

export function computeExposureSnapshot(input: ExposureSnapshotInput): ExposureSnapshot {
  checkShape(input);
  const limits = parseExposureLimits(input.limits ?? DEFAULT_EXPOSURE_LIMITS);
  const equity = decimalField(input.equity, 'equity');
  const byEpic = instrumentsByEpic(input.instruments);

  const located = input.positions.map((position) => ({ position, instrument: instrumentFor(position, byEpic) }));
  const dealIdsByCurrency = new Map<string, string[]>();
  for (const { position, instrument } of located) {
    const currency = instrumentCurrencyOf(position, instrument);
    const dealIds = dealIdsByCurrency.get(currency);
    if (dealIds) dealIds.push(position.position.dealId);
    else dealIdsByCurrency.set(currency, [position.position.dealId]);
  }
  const rates = resolveFxRates(dealIdsByCurrency, input.accountCurrency, input.fxRates, input.onMissingFxRate ?? 'error');

  const positions = located
    .map(({ position, instrument }) => valuePosition(position, instrument, rates.get(instrumentCurrencyOf(position, instrument)) ?? null))
    .sort(byEpicThenDeal);
  const unconverted: UnconvertedPosition[] = positions
    .filter((position) => position.notional === null)
    .map(({ dealId, epic, currency }) => ({ dealId, epic, currency }))
    .sort((a, b) => compareText(a.dealId, b.dealId));

  const totals = totalsOf(positions, equity);
  const instruments = byInstrument(positions, equity);
  const types = byInstrumentType(positions, equity);
  const currencies = byCurrency(positions, equity);
  assertGroupingsAddUp(totals, { byInstrument: instruments, byInstrumentType: types, byCurrency: currencies });
  const concentration = concentrationOf(instruments, totals);

  const current = { accountId: input.accountId, accountCurrency: input.accountCurrency, atMs: input.atMs, equity: canonical(equity), totals, byInstrument: instruments, byInstrumentType: types, byCurrency: currencies };
  const changes = input.previous ? exposureChanges(current, input.previous, limits.fastChangePercent) : null;
  const breaches = evaluateLimits(limits, { accountCurrency: input.accountCurrency, equity, totals, byInstrument: instruments, byInstrumentType: types, concentration, unconverted });

  return {
    version: EXPOSURE_SNAPSHOT_VERSION,
    accountId: current.accountId,
    accountCurrency: current.accountCurrency,
    atMs: current.atMs,
    equity: current.equity,
    limitsVersion: limits.version,
    positions,
    byInstrument: instruments,
    byInstrumentType: types,
    byCurrency: currencies,
    totals,
    leverage: effectiveLeverage(totals, equity),
    concentration,
    complete: unconverted.length === 0,
    unconverted,
    changes,
    breaches,
  };
}

/** Headline figures for history queries and charts (the store keeps them beside the snapshot). */
export function exposureMetrics(snapshot: ExposureSnapshot): Record<string, string | number | null> {
  return {
    grossExposure: snapshot.totals.grossExposure,
    netExposure: snapshot.totals.netExposure,
    margin: snapshot.totals.margin,
    unrealisedPnl: snapshot.totals.unrealisedPnl,
    equity: snapshot.equity,
    effectiveLeverage: snapshot.leverage.effective,
    concentrationPercent: snapshot.concentration?.percent ?? null,
    positionCount: snapshot.totals.positionCount,
    unconvertedCount: snapshot.totals.unconvertedCount,
    breachCount: snapshot.breaches.length,
    criticalCount: snapshot.breaches.filter((breach) => breach.severity === 'critical').length,
  };
}
