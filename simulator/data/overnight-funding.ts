/**
 * When overnight funding is charged: once a day at a fixed UTC hour, on every position open across
 * that instant (the broker announces the next one as `overnightFee.swapChargeTimestamp`).
 */
import { dayIndexOf, dayStartMs, HOUR_MS } from './time';

export const SWAP_HOUR_UTC = 22;
/** Minutes in the day between midnight and the charge. */
export const SWAP_MINUTE_OF_DAY = SWAP_HOUR_UTC * 60;

export function swapInstantOf(day: number): number {
  return dayStartMs(day) + SWAP_HOUR_UTC * HOUR_MS;
}

/** The first charge instant strictly after `atMs`. */
export function nextSwapChargeMs(atMs: number): number {
  const today = swapInstantOf(dayIndexOf(atMs));
  return today > atMs ? today : swapInstantOf(dayIndexOf(atMs) + 1);
}
