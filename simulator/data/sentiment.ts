/**
 * Client sentiment per market: the share of clients long and short, drifting slowly over the day
 * (smooth noise with a knot every six hours). Percentages have two decimals and are built from
 * whole hundredths, so long + short is exactly 100.
 */
import { marketByEpic } from './markets';
import { hashKey, hashUnit } from './prng';
import { HOUR_MS } from './time';
import { pointsNumber } from './wire-numbers';

const KNOT_MS = 6 * HOUR_MS;
/** Long share stays within [10 %, 90 %]: 1000..9000 hundredths of a percent. */
const LONG_MIN_HUNDREDTHS = 1000;
const LONG_SPAN_HUNDREDTHS = 8000;
const HUNDRED_PERCENT_HUNDREDTHS = 10_000;

export interface ClientSentiment {
  marketId: string;
  longPositionPercentage: number;
  shortPositionPercentage: number;
}

/** `GET /clientsentiment/{marketId}` at an instant; throws `UnknownMarketError` for an unknown epic. */
export function sentimentAt(epic: string, atMs: number): ClientSentiment {
  marketByEpic(epic);
  const key = hashKey('sentiment', epic);
  // Each market leans its own way: a per-market centre plus slow drift around it.
  const centre = 0.25 + 0.5 * hashUnit(key, 0, 1);
  const position = atMs / KNOT_MS;
  const knot = Math.floor(position);
  const fraction = position - knot;
  const smooth = fraction * fraction * (3 - 2 * fraction);
  const left = hashUnit(key, knot, 2);
  const right = hashUnit(key, knot + 1, 2);
  const drift = (left + (right - left) * smooth - 0.5) * 0.4;
  const share = Math.min(1, Math.max(0, centre + drift));
  const longHundredths = LONG_MIN_HUNDREDTHS + Math.round(share * LONG_SPAN_HUNDREDTHS);
  return {
    marketId: epic,
    longPositionPercentage: pointsNumber(longHundredths, 2),
    shortPositionPercentage: pointsNumber(HUNDRED_PERCENT_HUNDREDTHS - longHundredths, 2),
  };
}
