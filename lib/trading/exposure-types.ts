/**
 * The plain data an exposure snapshot is made of: decimals as canonical strings, counts and times
 * as numbers, absent values as null (never undefined, so every snapshot has the same shape).
 * `JSON.parse(JSON.stringify(snapshot))` deep-equals the snapshot: a stored snapshot reads back
 * exactly as written and can be the next one's `previous`. Money is in the account currency
 * unless a name says otherwise (`…InInstrumentCurrency`, `…InCurrency`).
 */

/** Bumped when a field changes meaning; a `previous` of another version is refused, not guessed at. */
export const EXPOSURE_SNAPSHOT_VERSION = 1;

export type ExposureDirection = 'BUY' | 'SELL';

/** Where a position's contract size came from: the position itself, else the lot size. */
export type ContractSizeSource = 'position' | 'market-lot-size' | 'instrument-lot-size';

export type MarginBasis = 'margin-factor' | 'leverage';

/** Why margin fell back from the instrument's margin factor to the position's leverage. */
export type MarginFallbackReason = 'no-instrument-details' | 'no-margin-factor' | 'factor-in-points' | 'factor-unit-unknown';

export interface PositionExposure {
  dealId: string;
  instrumentId: string;
  epic: string;
  /** Open: unknown broker types are kept as sent. */
  instrumentType: string;
  /** The instrument's currency, the one its prices are quoted in. */
  currency: string;
  direction: ExposureDirection;
  size: string;
  contractSize: string;
  contractSizeSource: ContractSizeSource;
  /** The price the position would close at: bid for BUY, offer for SELL. */
  price: string;
  priceSide: 'bid' | 'offer';
  /** size × contractSize × price. */
  notionalInInstrumentCurrency: string;
  /** Account-currency units per instrument-currency unit; null when none was given (unconverted). */
  fxRate: string | null;
  /** notionalInInstrumentCurrency × fxRate; null when unconverted. */
  notional: string | null;
  /** +notional for BUY, −notional for SELL; null when unconverted. */
  signedExposure: string | null;
  /** null when unconverted. */
  margin: string | null;
  marginBasis: MarginBasis;
  /** null when the margin factor was used. */
  marginFallbackReason: MarginFallbackReason | null;
  /** The percentage applied (margin-factor basis), else null. */
  marginFactorPercent: string | null;
  /** The leverage divided by (leverage basis), else null. */
  leverage: string | null;
  /** The broker's `upl`, already in the account currency, so never unconverted. */
  unrealisedPnl: string;
}

/** What every aggregate and the totals report. */
export interface ExposureFigures {
  /** Σ |notional| of converted positions. */
  grossExposure: string;
  /** Σ signedExposure of converted positions. */
  netExposure: string;
  /** Σ margin of converted positions. */
  margin: string;
  /** Σ unrealisedPnl of all positions. */
  unrealisedPnl: string;
  /** grossExposure ÷ equity; null when equity ≤ 0. */
  leverage: string | null;
  positionCount: number;
  /** Positions counted above whose money is missing from the sums (no FX rate). */
  unconvertedCount: number;
}

export interface ExposureAggregate extends ExposureFigures {
  key: string;
}

/** Keyed by instrumentId. */
export interface InstrumentExposure extends ExposureAggregate {
  epic: string;
  instrumentType: string;
  currency: string;
}

/** Keyed by instrument currency; the `…InCurrency` sums need no FX rate and include every position. */
export interface CurrencyExposure extends ExposureAggregate {
  grossInCurrency: string;
  netInCurrency: string;
}

export interface ExposureLeverage {
  /** Total gross ÷ equity; null when equity ≤ 0. */
  effective: string | null;
  status: 'ok' | 'equity-not-positive';
}

export interface ExposureConcentration {
  /** The instrument with the largest gross (ties: the smallest instrumentId). */
  instrumentId: string;
  epic: string;
  grossExposure: string;
  /** Its gross ÷ total gross × 100. */
  percent: string;
  /** How many instruments the total spreads over. */
  instrumentCount: number;
}

export interface UnconvertedPosition {
  dealId: string;
  epic: string;
  currency: string;
}

export type ExposureSeverity = 'warning' | 'breach' | 'critical';

export type ExposureLimitName =
  | 'maxGrossByInstrumentType'
  | 'maxLeverageByInstrumentType'
  | 'maxGrossByInstrument'
  | 'maxEffectiveLeverage'
  | 'maxConcentrationPercent'
  | 'fxRateAvailable';

export interface ExposureBreach {
  limit: ExposureLimitName;
  /** `limit@limitsVersion`, as alerts name their rules. */
  rule: string;
  /** An instrument type, an instrumentId, a currency, or `total`. */
  key: string;
  /** The figure compared; null when it does not exist (leverage at equity ≤ 0, an unconverted amount). */
  value: string | null;
  /** The limit; null when the check has no number (fxRateAvailable). */
  threshold: string | null;
  severity: ExposureSeverity;
  message: string;
}

/** Current − previous for one set of figures. */
export interface ExposureFiguresChange {
  grossExposure: string;
  netExposure: string;
  margin: string;
  unrealisedPnl: string;
  /** null when either side's leverage is null. */
  leverage: string | null;
  positionCount: number;
  /** Δgross ÷ previous gross × 100; null when the previous gross was 0. */
  grossChangePercent: string | null;
}

export interface ExposureAggregateChange extends ExposureFiguresChange {
  key: string;
  status: 'appeared' | 'disappeared' | 'continuing';
}

export interface ExposureFastChange {
  scope: 'total' | 'instrumentType';
  key: string;
  previousGrossExposure: string;
  grossExposure: string;
  /** null when the previous gross was 0 (any exposure from none counts as fast). */
  changePercent: string | null;
  thresholdPercent: string;
  message: string;
}

export interface InstrumentRef {
  instrumentId: string;
  epic: string;
}

export interface ExposureChanges {
  previousAtMs: number;
  elapsedMs: number;
  totals: ExposureFiguresChange;
  /** Union of both snapshots' keys, sorted. */
  byInstrument: ExposureAggregateChange[];
  byInstrumentType: ExposureAggregateChange[];
  byCurrency: ExposureAggregateChange[];
  /** Sorted by instrumentId. */
  appearedInstruments: InstrumentRef[];
  disappearedInstruments: InstrumentRef[];
  /** Empty when the limits set no fastChangePercent. */
  fastChanges: ExposureFastChange[];
}

export interface ExposureSnapshot {
  version: typeof EXPOSURE_SNAPSHOT_VERSION;
  accountId: string;
  accountCurrency: string;
  atMs: number;
  equity: string;
  limitsVersion: string;
  /** Sorted by epic, then dealId. */
  positions: PositionExposure[];
  /** Sorted by key. */
  byInstrument: InstrumentExposure[];
  byInstrumentType: ExposureAggregate[];
  byCurrency: CurrencyExposure[];
  totals: ExposureFigures;
  leverage: ExposureLeverage;
  /** null when the total gross is 0. */
  concentration: ExposureConcentration | null;
  /** False when some positions had no FX rate: their money is missing from every sum. */
  complete: boolean;
  /** Sorted by dealId. */
  unconverted: UnconvertedPosition[];
  /** null without a previous snapshot. */
  changes: ExposureChanges | null;
  /** Sorted by limit, then key. */
  breaches: ExposureBreach[];
}

/** Bad input to an exposure computation; the message names the field and the value's problem. */
export class ExposureInputError extends Error {
  override name = 'ExposureInputError';
}
