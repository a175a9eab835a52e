/** Words of the Capital.com API shared by the client, the schemas and the simulator (§7.4, §8). */

export const RESOLUTIONS = ['MINUTE', 'MINUTE_5', 'MINUTE_15', 'MINUTE_30', 'HOUR', 'HOUR_4', 'DAY', 'WEEK'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const RESOLUTION_MS: Readonly<Record<Resolution, number>> = {
  MINUTE: 60_000,
  MINUTE_5: 300_000,
  MINUTE_15: 900_000,
  MINUTE_30: 1_800_000,
  HOUR: 3_600_000,
  HOUR_4: 14_400_000,
  DAY: 86_400_000,
  WEEK: 604_800_000,
};

export function isResolution(value: string): value is Resolution {
  return (RESOLUTIONS as readonly string[]).includes(value);
}

export const BAR_TYPES = ['classic', 'heikin-ashi'] as const;
export type BarType = (typeof BAR_TYPES)[number];

export const STREAM_DESTINATIONS = {
  quoteSubscribe: 'marketData.subscribe',
  quoteUnsubscribe: 'marketData.unsubscribe',
  ohlcSubscribe: 'OHLCMarketData.subscribe',
  ohlcUnsubscribe: 'OHLCMarketData.unsubscribe',
  ping: 'ping',
  quote: 'quote',
  ohlc: 'ohlc.event',
} as const;

/** The documented cap on instruments per subscription (treated as per connection, the safe reading). */
export const STREAMING_EPICS_MAX = 40;
