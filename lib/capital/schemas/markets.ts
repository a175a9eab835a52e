/**
 * Markets: the summary row shared by positions, orders, navigation, search and watchlists; the
 * navigation tree; and the single-market details (instrument, dealing rules, snapshot).
 */
import { z } from 'zod';
import { decimalSchema, epochMsSchema, localTimestampSchema, openEnum, preferCurrentNames } from './common';

/** Asset classes seen officially (the preference keys and the examples). */
export const INSTRUMENT_TYPES = ['SHARES', 'CURRENCIES', 'INDICES', 'CRYPTOCURRENCIES', 'COMMODITIES'] as const;

/** TRADEABLE and CLOSED are official; the rest come from the IG-like Java DTOs and are unconfirmed. */
export const MARKET_STATUSES = [
  'TRADEABLE',
  'CLOSED',
  'EDITS_ONLY',
  'OFFLINE',
  'ON_AUCTION',
  'ON_AUCTION_NO_EDITS',
  'SUSPENDED',
] as const;

/** `marketModes` values seen in the newest docs. */
export const MARKET_MODES = ['REGULAR', 'VIEW_ONLY'] as const;

/** Units of a dealing rule's value. */
export const DEALING_RULE_UNITS = ['POINTS', 'PERCENTAGE'] as const;

export const MARKET_ORDER_PREFERENCES = ['AVAILABLE_DEFAULT_ON', 'AVAILABLE_DEFAULT_OFF', 'NOT_AVAILABLE'] as const;
export const TRAILING_STOPS_PREFERENCES = ['AVAILABLE', 'NOT_AVAILABLE'] as const;
export const MARGIN_FACTOR_UNITS = ['PERCENTAGE', 'POINTS'] as const;

/**
 * One market as listed by positions, working orders, navigation, search and watchlists. Closed
 * markets may lack high, low, netChange and percentageChange; symbol, marketModes, pipPosition and
 * tickSize only appear in the newest docs.
 */
export const marketSummarySchema = z.looseObject({
  instrumentName: z.string(),
  /** "-" when the market does not expire, otherwise a date. */
  expiry: z.string(),
  epic: z.string(),
  symbol: z.string().optional(),
  instrumentType: openEnum(INSTRUMENT_TYPES),
  marketStatus: openEnum(MARKET_STATUSES),
  lotSize: decimalSchema,
  high: decimalSchema.optional(),
  low: decimalSchema.optional(),
  percentageChange: decimalSchema.optional(),
  netChange: decimalSchema.optional(),
  bid: decimalSchema,
  offer: decimalSchema,
  updateTime: localTimestampSchema,
  updateTimeUTC: localTimestampSchema,
  delayTime: z.number(),
  streamingPricesAvailable: z.boolean(),
  scalingFactor: z.number(),
  marketModes: z.array(openEnum(MARKET_MODES)).optional(),
  pipPosition: z.number().optional(),
  tickSize: decimalSchema.optional(),
});
export type MarketSummary = z.output<typeof marketSummarySchema>;

export const marketNavigationNodeSchema = z.looseObject({ id: z.string(), name: z.string() });
export type MarketNavigationNode = z.output<typeof marketNavigationNodeSchema>;

/** `GET /marketnavigation`: the top-level categories. */
export const marketNavigationResponseSchema = z.looseObject({ nodes: z.array(marketNavigationNodeSchema) });
export type MarketNavigationResponse = z.output<typeof marketNavigationResponseSchema>;

/** `GET /marketnavigation/:nodeId`: sub-categories, and the markets of a leaf category. */
export const marketNavigationNodeResponseSchema = z.looseObject({
  nodes: z.array(marketNavigationNodeSchema),
  markets: z.array(marketSummarySchema).optional(),
});
export type MarketNavigationNodeResponse = z.output<typeof marketNavigationNodeResponseSchema>;

/** Trading sessions of one day, e.g. ["00:00 - 22:00", "23:05 - 00:00"]. */
const daySessionsSchema = z.array(z.string());

/** Weekly opening hours (2023 onwards). Days without sessions are empty lists. */
export const weeklyOpeningHoursSchema = z.looseObject({
  mon: daySessionsSchema.optional(),
  tue: daySessionsSchema.optional(),
  wed: daySessionsSchema.optional(),
  thu: daySessionsSchema.optional(),
  fri: daySessionsSchema.optional(),
  sat: daySessionsSchema.optional(),
  sun: daySessionsSchema.optional(),
  zone: z.string(),
});
export type WeeklyOpeningHours = z.output<typeof weeklyOpeningHoursSchema>;

/** The weekly object, or the single string the 2022 docs showed. */
export const openingHoursSchema = z.union([weeklyOpeningHoursSchema, z.string()], {
  error: 'expected weekly opening hours { mon..sun, zone } or a single string',
});
export type OpeningHours = z.output<typeof openingHoursSchema>;

export const overnightFeeSchema = z.looseObject({
  longRate: decimalSchema,
  shortRate: decimalSchema,
  swapChargeTimestamp: epochMsSchema,
  /** Minutes between charges (1440 in the docs). */
  swapChargeInterval: z.number(),
});
export type OvernightFee = z.output<typeof overnightFeeSchema>;

/** `instrument` of a market; `controlledRiskAllowed` (2023) is output as `guaranteedStopAllowed`. */
export const instrumentSchema = z
  .looseObject({
    epic: z.string(),
    symbol: z.string().optional(),
    expiry: z.string(),
    name: z.string(),
    lotSize: decimalSchema,
    type: openEnum(INSTRUMENT_TYPES),
    guaranteedStopAllowed: z.boolean().optional(),
    controlledRiskAllowed: z.boolean().optional(),
    streamingPricesAvailable: z.boolean(),
    currency: z.string(),
    marginFactor: decimalSchema,
    marginFactorUnit: openEnum(MARGIN_FACTOR_UNITS),
    openingHours: openingHoursSchema.optional(),
    overnightFee: overnightFeeSchema.optional(),
    country: z.string().optional(),
  })
  .transform((instrument) => preferCurrentNames(instrument, { controlledRiskAllowed: 'guaranteedStopAllowed' }));
export type Instrument = z.output<typeof instrumentSchema>;

/** A dealing rule: a value and whether it is in points or a percentage of the price. */
export const dealingRuleSchema = z.looseObject({
  unit: openEnum(DEALING_RULE_UNITS),
  value: decimalSchema,
});
export type DealingRule = z.output<typeof dealingRuleSchema>;

/**
 * Dealing rules. The 2023 names (minControlledRiskStopDistance, minNormalStopOrLimitDistance,
 * maxStopOrLimitDistance) are accepted and output under the current names.
 */
export const dealingRulesSchema = z
  .looseObject({
    /** The price step, not the size step (use minSizeIncrement for sizes). */
    minStepDistance: dealingRuleSchema,
    minDealSize: dealingRuleSchema,
    maxDealSize: dealingRuleSchema.optional(),
    minSizeIncrement: dealingRuleSchema.optional(),
    minGuaranteedStopDistance: dealingRuleSchema.optional(),
    minStopOrProfitDistance: dealingRuleSchema.optional(),
    maxStopOrProfitDistance: dealingRuleSchema.optional(),
    minControlledRiskStopDistance: dealingRuleSchema.optional(),
    minNormalStopOrLimitDistance: dealingRuleSchema.optional(),
    maxStopOrLimitDistance: dealingRuleSchema.optional(),
    marketOrderPreference: openEnum(MARKET_ORDER_PREFERENCES),
    trailingStopsPreference: openEnum(TRAILING_STOPS_PREFERENCES),
  })
  .transform((rules) =>
    preferCurrentNames(rules, {
      minControlledRiskStopDistance: 'minGuaranteedStopDistance',
      minNormalStopOrLimitDistance: 'minStopOrProfitDistance',
      maxStopOrLimitDistance: 'maxStopOrProfitDistance',
    }),
  );
export type DealingRules = z.output<typeof dealingRulesSchema>;

/** The price snapshot inside market details. */
export const marketSnapshotSchema = z.looseObject({
  marketStatus: openEnum(MARKET_STATUSES),
  netChange: decimalSchema.optional(),
  percentageChange: decimalSchema.optional(),
  updateTime: localTimestampSchema,
  delayTime: z.number(),
  bid: decimalSchema,
  offer: decimalSchema,
  high: decimalSchema.optional(),
  low: decimalSchema.optional(),
  decimalPlacesFactor: z.number(),
  scalingFactor: z.number(),
  marketModes: z.array(openEnum(MARKET_MODES)).optional(),
});
export type MarketSnapshot = z.output<typeof marketSnapshotSchema>;

/** `GET /markets/:epic`, and each element of `marketDetails` from `GET /markets?epics=`. */
export const marketDetailsSchema = z.looseObject({
  instrument: instrumentSchema,
  dealingRules: dealingRulesSchema,
  snapshot: marketSnapshotSchema,
});
export type MarketDetails = z.output<typeof marketDetailsSchema>;

/**
 * `GET /markets`: `searchTerm` (or no parameter) gives `{ markets }`, `epics` gives
 * `{ marketDetails }`. One path, two shapes, so both lists are optional but one must be there.
 */
export const marketsResponseSchema = z
  .looseObject({
    markets: z.array(marketSummarySchema).optional(),
    marketDetails: z.array(marketDetailsSchema).optional(),
  })
  .refine((body) => body.markets !== undefined || body.marketDetails !== undefined, {
    error: 'expected either markets (search) or marketDetails (epics)',
    path: ['markets'],
  });
export type MarketsResponse = z.output<typeof marketsResponseSchema>;
