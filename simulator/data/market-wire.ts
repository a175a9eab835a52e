/**
 * Market wire shapes at an instant: the market summary (navigation, search, watchlists, and the
 * `market`/`marketData` of positions and working orders) and `GET /markets/{epic}`'s
 * `{instrument, dealingRules, snapshot}` with the current field names.
 */
import { Decimal } from '../../lib/money';
import { marketByEpic, type Market, type RuleUnit } from './markets';
import { openingHoursWire, type OpeningHoursWire } from './opening-hours';
import { dayStatsAt } from './prices';
import { nextSwapChargeMs } from './overnight-funding';
import { wireLocal, wireUtc } from './time';
import { decimalNumber, pointsDecimal, pointsNumber } from './wire-numbers';

const MARKET_MODES = ['REGULAR'];

export interface MarketSummary {
  instrumentName: string;
  expiry: string;
  marketStatus: 'TRADEABLE' | 'CLOSED';
  epic: string;
  symbol: string;
  instrumentType: string;
  lotSize: number;
  high: number;
  low: number;
  percentageChange: number;
  netChange: number;
  bid: number;
  offer: number;
  updateTime: string;
  updateTimeUTC: string;
  delayTime: number;
  streamingPricesAvailable: boolean;
  scalingFactor: number;
  marketModes: string[];
}

export interface DealingRule {
  unit: RuleUnit;
  value: number;
}

export interface MarketDetails {
  instrument: {
    epic: string;
    symbol: string;
    expiry: string;
    name: string;
    lotSize: number;
    type: string;
    guaranteedStopAllowed: boolean;
    streamingPricesAvailable: boolean;
    currency: string;
    marginFactor: number;
    marginFactorUnit: 'PERCENTAGE';
    openingHours: OpeningHoursWire;
    country: string;
    overnightFee: { longRate: number; shortRate: number; swapChargeTimestamp: number; swapChargeInterval: number };
  };
  dealingRules: {
    minStepDistance: DealingRule;
    minDealSize: DealingRule;
    maxDealSize: DealingRule;
    minSizeIncrement: DealingRule;
    minGuaranteedStopDistance: DealingRule;
    minStopOrProfitDistance: DealingRule;
    maxStopOrProfitDistance: DealingRule;
    marketOrderPreference: string;
    trailingStopsPreference: string;
  };
  snapshot: {
    marketStatus: 'TRADEABLE' | 'CLOSED';
    netChange: number;
    percentageChange: number;
    updateTime: string;
    delayTime: number;
    bid: number;
    offer: number;
    high: number;
    low: number;
    decimalPlacesFactor: number;
    scalingFactor: number;
    marketModes: string[];
  };
}

interface Snapshot {
  status: 'TRADEABLE' | 'CLOSED';
  bid: number;
  offer: number;
  high: number;
  low: number;
  netChange: number;
  percentageChange: number;
}

function snapshotOf(market: Market, atMs: number): Snapshot {
  const stats = dayStatsAt(market, atMs);
  const change = stats.bidPoints - stats.dayOpenPoints;
  const percentage = pointsDecimal(change, market.decimals)
    .times(100)
    .dividedBy(pointsDecimal(stats.dayOpenPoints, market.decimals))
    .toDecimalPlaces(4, Decimal.ROUND_HALF_EVEN);
  return {
    status: stats.open ? 'TRADEABLE' : 'CLOSED',
    bid: pointsNumber(stats.bidPoints, market.decimals),
    offer: pointsNumber(stats.ofrPoints, market.decimals),
    high: pointsNumber(stats.highPoints, market.decimals),
    low: pointsNumber(stats.lowPoints, market.decimals),
    netChange: pointsNumber(change, market.decimals),
    percentageChange: decimalNumber(percentage),
  };
}

/** The market summary at an instant; `timezoneOffsetHours` shifts `updateTime` to platform-local time. */
export function marketSummary(epic: string, atMs: number, timezoneOffsetHours = 0): MarketSummary {
  const market = marketByEpic(epic);
  const snap = snapshotOf(market, atMs);
  return {
    instrumentName: market.name,
    expiry: '-',
    marketStatus: snap.status,
    epic: market.epic,
    symbol: market.symbol,
    instrumentType: market.type,
    lotSize: market.lotSize,
    high: snap.high,
    low: snap.low,
    percentageChange: snap.percentageChange,
    netChange: snap.netChange,
    bid: snap.bid,
    offer: snap.offer,
    updateTime: wireLocal(atMs, timezoneOffsetHours),
    updateTimeUTC: wireUtc(atMs),
    delayTime: 0,
    streamingPricesAvailable: true,
    scalingFactor: 1,
    marketModes: [...MARKET_MODES],
  };
}

function rule(unit: RuleUnit, value: string | number): DealingRule {
  return { unit, value: typeof value === 'number' ? value : Number(value) };
}

/** `GET /markets/{epic}` (and each `marketDetails` element of `GET /markets?epics=`). */
export function marketDetails(epic: string, atMs: number, timezoneOffsetHours = 0): MarketDetails {
  const market = marketByEpic(epic);
  const snap = snapshotOf(market, atMs);
  return {
    instrument: {
      epic: market.epic,
      symbol: market.symbol,
      expiry: '-',
      name: market.name,
      lotSize: market.lotSize,
      type: market.type,
      guaranteedStopAllowed: market.guaranteedStopAllowed,
      streamingPricesAvailable: true,
      currency: market.currency,
      marginFactor: market.marginFactorPct,
      marginFactorUnit: 'PERCENTAGE',
      openingHours: openingHoursWire(market.sessions),
      country: market.country,
      overnightFee: {
        longRate: Number(market.overnightLongRate),
        shortRate: Number(market.overnightShortRate),
        swapChargeTimestamp: nextSwapChargeMs(atMs),
        swapChargeInterval: 1440,
      },
    },
    dealingRules: {
      minStepDistance: rule('POINTS', pointsNumber(1, market.decimals)),
      minDealSize: rule('POINTS', market.minDealSize),
      maxDealSize: rule('POINTS', market.maxDealSize),
      minSizeIncrement: rule('POINTS', market.minSizeIncrement),
      minGuaranteedStopDistance: rule('PERCENTAGE', market.minGuaranteedStopDistancePct),
      minStopOrProfitDistance: rule(market.stopRuleUnit, market.minStopOrProfitDistance),
      maxStopOrProfitDistance: rule('PERCENTAGE', market.maxStopOrProfitDistancePct),
      marketOrderPreference: 'AVAILABLE_DEFAULT_ON',
      trailingStopsPreference: market.trailingStopsAvailable ? 'AVAILABLE' : 'NOT_AVAILABLE',
    },
    snapshot: {
      marketStatus: snap.status,
      netChange: snap.netChange,
      percentageChange: snap.percentageChange,
      updateTime: wireLocal(atMs, timezoneOffsetHours),
      delayTime: 0,
      bid: snap.bid,
      offer: snap.offer,
      high: snap.high,
      low: snap.low,
      decimalPlacesFactor: market.decimals,
      scalingFactor: 1,
      marketModes: [...MARKET_MODES],
    },
  };
}
