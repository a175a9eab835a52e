/**
 * How many transaction rows each UTC day carries. A calendar month's days share out the account's
 * `transactionsPerMonth` by weight (weekends lighter, a little day-to-day noise), with cumulative
 * rounding so the month's targets add up to the monthly figure exactly.
 */
import { type GenerationContext } from './context';
import { hashKey, hashUnit } from './prng';
import { monthDays, weekdayNumber } from './time';

const WEEKEND_FACTOR = 0.45;

function dayWeight(ctx: GenerationContext, day: number): number {
  const key = hashKey('day-weight', ctx.seed, ctx.account.accountId);
  const weekday = weekdayNumber(day);
  const weekdayFactor = weekday === 0 || weekday === 6 ? WEEKEND_FACTOR : 1;
  return weekdayFactor * (0.85 + 0.3 * hashUnit(key, day));
}

/** The day's target number of transaction rows (0 before the account's history starts). */
export function dailyTarget(ctx: GenerationContext, day: number): number {
  if (day < ctx.firstDay) return 0;
  const perMonth = ctx.account.transactionsPerMonth;
  const { firstDay, endDay } = monthDays(day);
  let total = 0;
  let before = 0;
  for (let d = firstDay; d < endDay; d++) {
    const weight = dayWeight(ctx, d);
    total += weight;
    if (d < day) before += weight;
  }
  const through = before + dayWeight(ctx, day);
  return Math.round((perMonth * through) / total) - Math.round((perMonth * before) / total);
}
