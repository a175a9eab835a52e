/**
 * What moved since the previous snapshot of the same account: for the totals and for every key of
 * every grouping (the union of both snapshots' keys), current − previous of gross, net, margin,
 * unrealised P/L, leverage and position count. A key missing on one side counts as zero there
 * (leverage 0 when that snapshot's equity was positive, else null). Differences are taken between
 * published figures, so previous + change = current exactly as both were published.
 *
 * A fast change: the total gross, or one instrument type's, moved by more than fastChangePercent
 * of its previous value, in either direction; exposure from none counts as fast (no percent).
 */
import { canonical, type Decimal, toDecimal } from '../money';
import { compareText, percentOf } from './exposure-decimals';
import {
  type ExposureAggregate,
  type ExposureAggregateChange,
  type ExposureChanges,
  type ExposureFastChange,
  type ExposureFigures,
  type ExposureFiguresChange,
  type ExposureSnapshot,
  ExposureInputError,
  EXPOSURE_SNAPSHOT_VERSION,
  type InstrumentExposure,
  type InstrumentRef,
} from './exposure-types';

/** The part of a stored snapshot the changes read. */
export type PreviousExposure = Pick<ExposureSnapshot, 'version' | 'accountId' | 'accountCurrency' | 'atMs' | 'equity' | 'totals' | 'byInstrument' | 'byInstrumentType' | 'byCurrency'>;

export type CurrentExposure = Omit<PreviousExposure, 'version'>;

function difference(current: string, previous: string): string {
  return canonical(toDecimal(current).minus(toDecimal(previous)));
}

function figuresChange(current: ExposureFigures, previous: ExposureFigures): ExposureFiguresChange {
  const previousGross = toDecimal(previous.grossExposure);
  const grossDelta = toDecimal(current.grossExposure).minus(previousGross);
  return {
    grossExposure: canonical(grossDelta),
    netExposure: difference(current.netExposure, previous.netExposure),
    margin: difference(current.margin, previous.margin),
    unrealisedPnl: difference(current.unrealisedPnl, previous.unrealisedPnl),
    leverage: current.leverage === null || previous.leverage === null ? null : difference(current.leverage, previous.leverage),
    positionCount: current.positionCount - previous.positionCount,
    grossChangePercent: previousGross.isZero() ? null : canonical(percentOf(grossDelta, previousGross)),
  };
}

/** What a key absent from a snapshot stands for. */
function noExposure(equity: string): ExposureFigures {
  return { grossExposure: '0', netExposure: '0', margin: '0', unrealisedPnl: '0', leverage: toDecimal(equity).gt(0) ? '0' : null, positionCount: 0, unconvertedCount: 0 };
}

function aggregateChanges(current: readonly ExposureAggregate[], previous: readonly ExposureAggregate[], equities: { current: string; previous: string }): ExposureAggregateChange[] {
  const now = new Map(current.map((aggregate) => [aggregate.key, aggregate]));
  const before = new Map(previous.map((aggregate) => [aggregate.key, aggregate]));
  const keys = [...new Set([...now.keys(), ...before.keys()])].sort(compareText);
  return keys.map((key) => {
    const currentFigures = now.get(key);
    const previousFigures = before.get(key);
    const status = previousFigures === undefined ? 'appeared' : currentFigures === undefined ? 'disappeared' : 'continuing';
    return { key, status, ...figuresChange(currentFigures ?? noExposure(equities.current), previousFigures ?? noExposure(equities.previous)) };
  });
}

function instrumentRefs(from: readonly InstrumentExposure[], without: readonly InstrumentExposure[]): InstrumentRef[] {
  const other = new Set(without.map((instrument) => instrument.key));
  return from.filter((instrument) => !other.has(instrument.key)).map((instrument) => ({ instrumentId: instrument.key, epic: instrument.epic }));
}

function fastChange(scope: ExposureFastChange['scope'], key: string, current: ExposureFigures, previous: ExposureFigures, thresholdPercent: Decimal): ExposureFastChange | undefined {
  const before = toDecimal(previous.grossExposure);
  const after = toDecimal(current.grossExposure);
  const subject = scope === 'total' ? 'total gross exposure' : `${key} gross exposure`;
  const threshold = canonical(thresholdPercent);
  const base = { scope, key, previousGrossExposure: previous.grossExposure, grossExposure: current.grossExposure, thresholdPercent: threshold };
  if (before.isZero()) {
    return after.isZero() ? undefined : { ...base, changePercent: null, message: `${subject} went from 0 to ${current.grossExposure}` };
  }
  const changePercent = percentOf(after.minus(before), before);
  if (!changePercent.abs().gt(thresholdPercent)) return undefined;
  return { ...base, changePercent: canonical(changePercent), message: `${subject} moved ${canonical(changePercent)}% (${previous.grossExposure} → ${current.grossExposure}), more than ${threshold}%` };
}

function fastChanges(current: CurrentExposure, previous: PreviousExposure, fastChangePercent: string | undefined): ExposureFastChange[] {
  if (fastChangePercent === undefined) return [];
  const threshold = toDecimal(fastChangePercent);
  const signals: (ExposureFastChange | undefined)[] = [fastChange('total', 'total', current.totals, previous.totals, threshold)];
  const now = new Map(current.byInstrumentType.map((aggregate) => [aggregate.key, aggregate]));
  const before = new Map(previous.byInstrumentType.map((aggregate) => [aggregate.key, aggregate]));
  for (const key of [...new Set([...now.keys(), ...before.keys()])].sort(compareText)) {
    signals.push(fastChange('instrumentType', key, now.get(key) ?? noExposure(current.equity), before.get(key) ?? noExposure(previous.equity), threshold));
  }
  return signals.filter((signal): signal is ExposureFastChange => signal !== undefined);
}

/** Refuses a previous snapshot that cannot be compared: another version, account or currency, or not earlier. */
export function assertComparable(current: CurrentExposure, previous: PreviousExposure): void {
  if (previous.version !== EXPOSURE_SNAPSHOT_VERSION) throw new ExposureInputError(`previous snapshot is version ${String(previous.version)}, this is ${EXPOSURE_SNAPSHOT_VERSION}: its figures may mean something else`);
  if (previous.accountId !== current.accountId) throw new ExposureInputError(`previous snapshot is of account ${previous.accountId}, not ${current.accountId}`);
  if (previous.accountCurrency !== current.accountCurrency) throw new ExposureInputError(`previous snapshot is in ${previous.accountCurrency}, this one in ${current.accountCurrency}: amounts do not compare`);
  if (!(previous.atMs < current.atMs)) throw new ExposureInputError(`previous snapshot at ${previous.atMs} ms is not before this one at ${current.atMs} ms`);
}

export function exposureChanges(current: CurrentExposure, previous: PreviousExposure, fastChangePercent: string | undefined): ExposureChanges {
  assertComparable(current, previous);
  const equities = { current: current.equity, previous: previous.equity };
  return {
    previousAtMs: previous.atMs,
    elapsedMs: current.atMs - previous.atMs,
    totals: figuresChange(current.totals, previous.totals),
    byInstrument: aggregateChanges(current.byInstrument, previous.byInstrument, equities),
    byInstrumentType: aggregateChanges(current.byInstrumentType, previous.byInstrumentType, equities),
    byCurrency: aggregateChanges(current.byCurrency, previous.byCurrency, equities),
    appearedInstruments: instrumentRefs(current.byInstrument, previous.byInstrument),
    disappearedInstruments: instrumentRefs(previous.byInstrument, current.byInstrument),
    fastChanges: fastChanges(current, previous, fastChangePercent),
  };
}
