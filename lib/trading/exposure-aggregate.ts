/**
 * Valued positions summed by instrument, by instrument type, by currency and in total:
 *
 *   grossExposure   Σ |notional|          netExposure   Σ signedExposure
 *   margin          Σ margin              unrealisedPnl Σ unrealisedPnl
 *   leverage        grossExposure ÷ equity (null when equity ≤ 0)
 *
 * Sums run over the positions' published figures, so every grouping adds up exactly to the
 * totals; that is asserted. Unconverted positions (no FX rate) count in positionCount and
 * unrealisedPnl (the broker gives it in the account currency) but not in the money sums.
 * Lists come out sorted by key, so the order of the positions never shows.
 */
import { canonical, Decimal, toDecimal } from '../money';
import { compareText, percentOf, quotient, ZERO } from './exposure-decimals';
import {
  type CurrencyExposure,
  type ExposureAggregate,
  type ExposureConcentration,
  type ExposureFigures,
  ExposureInputError,
  type ExposureLeverage,
  type InstrumentExposure,
  type PositionExposure,
} from './exposure-types';

/** grossExposure ÷ equity; undefined (null) at equity ≤ 0, where no ratio means anything. */
export function leverageOf(grossExposure: Decimal, equity: Decimal): string | null {
  return equity.gt(0) ? canonical(quotient(grossExposure, equity)) : null;
}

export function effectiveLeverage(totals: ExposureFigures, equity: Decimal): ExposureLeverage {
  return { effective: totals.leverage, status: equity.gt(0) ? 'ok' : 'equity-not-positive' };
}

function figuresOf(positions: readonly PositionExposure[], equity: Decimal): ExposureFigures {
  let gross = ZERO;
  let net = ZERO;
  let margin = ZERO;
  let pnl = ZERO;
  let unconvertedCount = 0;
  for (const position of positions) {
    pnl = pnl.plus(toDecimal(position.unrealisedPnl));
    if (position.notional === null || position.signedExposure === null || position.margin === null) {
      unconvertedCount++;
      continue;
    }
    gross = gross.plus(toDecimal(position.notional).abs());
    net = net.plus(toDecimal(position.signedExposure));
    margin = margin.plus(toDecimal(position.margin));
  }
  return {
    grossExposure: canonical(gross),
    netExposure: canonical(net),
    margin: canonical(margin),
    unrealisedPnl: canonical(pnl),
    leverage: leverageOf(gross, equity),
    positionCount: positions.length,
    unconvertedCount,
  };
}

function groupedBy(positions: readonly PositionExposure[], keyOf: (position: PositionExposure) => string): [string, PositionExposure[]][] {
  const groups = new Map<string, PositionExposure[]>();
  for (const position of positions) {
    const key = keyOf(position);
    const group = groups.get(key);
    if (group) group.push(position);
    else groups.set(key, [position]);
  }
  return [...groups.entries()].sort(([a], [b]) => compareText(a, b));
}

export function totalsOf(positions: readonly PositionExposure[], equity: Decimal): ExposureFigures {
  return figuresOf(positions, equity);
}

/** One instrument has one type and one currency; two positions disagreeing means the input is broken. */
function sameFor(group: readonly PositionExposure[], field: 'instrumentType' | 'currency'): string {
  const first = group[0] as PositionExposure;
  const other = group.find((position) => position[field] !== first[field]);
  if (other) throw new ExposureInputError(`positions ${first.dealId} and ${other.dealId} are both ${first.epic} but disagree on ${field}: '${first[field]}' and '${other[field]}'`);
  return first[field];
}

export function byInstrument(positions: readonly PositionExposure[], equity: Decimal): InstrumentExposure[] {
  return groupedBy(positions, (p) => p.instrumentId).map(([key, group]) => ({
    key,
    epic: (group[0] as PositionExposure).epic,
    instrumentType: sameFor(group, 'instrumentType'),
    currency: sameFor(group, 'currency'),
    ...figuresOf(group, equity),
  }));
}

export function byInstrumentType(positions: readonly PositionExposure[], equity: Decimal): ExposureAggregate[] {
  return groupedBy(positions, (p) => p.instrumentType).map(([key, group]) => ({ key, ...figuresOf(group, equity) }));
}

export function byCurrency(positions: readonly PositionExposure[], equity: Decimal): CurrencyExposure[] {
  return groupedBy(positions, (p) => p.currency).map(([key, group]) => {
    let grossInCurrency = ZERO;
    let netInCurrency = ZERO;
    for (const position of group) {
      const notional = toDecimal(position.notionalInInstrumentCurrency);
      grossInCurrency = grossInCurrency.plus(notional.abs());
      netInCurrency = netInCurrency.plus(position.direction === 'BUY' ? notional : notional.negated());
    }
    return { key, ...figuresOf(group, equity), grossInCurrency: canonical(grossInCurrency), netInCurrency: canonical(netInCurrency) };
  });
}

/** The largest instrument's share of the total gross; null when nothing is exposed. */
export function concentrationOf(instruments: readonly InstrumentExposure[], totals: ExposureFigures): ExposureConcentration | null {
  const totalGross = toDecimal(totals.grossExposure);
  if (totalGross.isZero()) return null;
  let largest: InstrumentExposure | undefined;
  // Sorted by key and replaced only when strictly larger: a tie goes to the smallest instrumentId.
  for (const instrument of instruments) {
    if (largest === undefined || toDecimal(instrument.grossExposure).gt(toDecimal(largest.grossExposure))) largest = instrument;
  }
  const top = largest as InstrumentExposure;
  return {
    instrumentId: top.key,
    epic: top.epic,
    grossExposure: top.grossExposure,
    percent: canonical(percentOf(toDecimal(top.grossExposure), totalGross)),
    instrumentCount: instruments.filter((instrument) => toDecimal(instrument.grossExposure).gt(0)).length,
  };
}

const SUMMED = ['grossExposure', 'netExposure', 'margin', 'unrealisedPnl'] as const;

/** Every grouping partitions the positions: if one does not add up to the totals, grouping is broken. */
export function assertGroupingsAddUp(totals: ExposureFigures, groupings: Record<string, readonly ExposureAggregate[]>): void {
  for (const [name, aggregates] of Object.entries(groupings)) {
    for (const field of SUMMED) {
      const sum = aggregates.reduce((total, aggregate) => total.plus(toDecimal(aggregate[field])), new Decimal(0));
      if (!sum.eq(toDecimal(totals[field]))) throw new Error(`invariant: ${name} ${field} adds up to ${canonical(sum)}, the total is ${totals[field]}`);
    }
    const count = aggregates.reduce((total, aggregate) => total + aggregate.positionCount, 0);
    if (count !== totals.positionCount) throw new Error(`invariant: ${name} counts ${count} positions, the total is ${totals.positionCount}`);
  }
}
