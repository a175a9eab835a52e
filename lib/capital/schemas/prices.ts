/** Historical prices: `GET /prices/:epic`. REST says `ask` where the WebSocket quote says `ofr`. */
import { z } from 'zod';
import { decimalSchema, localTimestampSchema, openEnum } from './common';
import { INSTRUMENT_TYPES } from './markets';

export const bidAskSchema = z.looseObject({ bid: decimalSchema, ask: decimalSchema });
export type BidAsk = z.output<typeof bidAskSchema>;

/** One bar. The last bar of a response may still be forming. */
export const priceBarSchema = z.looseObject({
  /** Platform-local; its format is less certain than snapshotTimeUTC's, so it is not validated. */
  snapshotTime: z.string(),
  snapshotTimeUTC: localTimestampSchema,
  openPrice: bidAskSchema,
  closePrice: bidAskSchema,
  highPrice: bidAskSchema,
  lowPrice: bidAskSchema,
  lastTradedVolume: z.number(),
});
export type PriceBar = z.output<typeof priceBarSchema>;

export const pricesResponseSchema = z.looseObject({
  prices: z.array(priceBarSchema),
  instrumentType: openEnum(INSTRUMENT_TYPES),
});
export type PricesResponse = z.output<typeof pricesResponseSchema>;
