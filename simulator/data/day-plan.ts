/**
 * Everything that happens to an account on one UTC day: the deals owned by the day, the long deals
 * still running from the days before, and the non-deal cash events. Intraday deals are drawn until
 * the day's cash rows reach its volume target, so a month's row count follows
 * `transactionsPerMonth` closely.
 *
 * Memory: intraday deals are handed to a visitor one at a time and never kept, so a busy day (tens
 * of thousands of deals) costs only what the visitor keeps. Long deals are few and cached for the
 * lookback window.
 */
import { BoundedCache } from './bounded-cache';
import { type CashEvent, cashEventsOfDay } from './cash-events';
import { type GenerationContext } from './context';
import { dailyTarget } from './day-volume';
import { intradayDeal, longDeal, trimDealRows } from './deal-generator';
import { type Deal, dealCashRowCount, dealCashRows, LOOKBACK_DAYS } from './deal-model';
import { Prng } from './prng';
import { dayIndexOf } from './time';

/** Long deals opened per target row, and the most a day may own (the reference layout has room for this many). */
const LONG_DEALS_PER_TARGET_ROW = 0.012;
export const LONG_DEALS_PER_DAY_MAX = 2500;
/** The intraday loop never draws more deals than this multiple of the day's target (plus a few). */
const INTRADAY_DRAWS_PER_TARGET_MAX = 2;

/** The day's fixed parts; intraday deals are streamed by `forEachIntradayDeal`. */
export interface DayFrame {
  day: number;
  target: number;
  /** Long deals owned by this day or the `LOOKBACK_DAYS` days before, whether or not they touch this day. */
  long: readonly Deal[];
  cash: readonly CashEvent[];
  /** Cash rows left for intraday deals once long deals and cash events are counted. */
  intradayRows: number;
}

const longDealCache = new BoundedCache<string, readonly Deal[]>(2 * (LOOKBACK_DAYS + 1));
const frameCache = new BoundedCache<string, DayFrame>(4);

export function longDealsOwnedBy(ctx: GenerationContext, ownerDay: number): readonly Deal[] {
  if (ownerDay < ctx.firstDay) return [];
  return longDealCache.getOrCompute(`${ctx.cacheKey}|${ownerDay}`, () => {
    const target = dailyTarget(ctx, ownerDay);
    if (target <= 0) return [];
    const rng = Prng.fromKey('long-count', ctx.seed, ctx.account.accountId, ownerDay);
    const count = Math.min(LONG_DEALS_PER_DAY_MAX, rng.countAround(target * LONG_DEALS_PER_TARGET_ROW));
    const deals: Deal[] = [];
    for (let index = 0; index < count; index++) deals.push(longDeal(ctx, ownerDay, index));
    return deals;
  });
}

/** Long deals that may have events on `day` or be open during it (owned by it or the lookback days before). */
export function longDealsAround(ctx: GenerationContext, day: number): Deal[] {
  const deals: Deal[] = [];
  for (let owner = Math.max(ctx.firstDay, day - LOOKBACK_DAYS); owner <= day; owner++) deals.push(...longDealsOwnedBy(ctx, owner));
  return deals;
}

function longRowsOn(deals: readonly Deal[], day: number): number {
  let rows = 0;
  for (const deal of deals) for (const row of dealCashRows(deal)) if (dayIndexOf(row.timeMs) === day) rows++;
  return rows;
}

export function dayFrame(ctx: GenerationContext, day: number): DayFrame {
  if (day < ctx.firstDay) return { day, target: 0, long: [], cash: [], intradayRows: 0 };
  return frameCache.getOrCompute(`${ctx.cacheKey}|${day}`, () => {
    const target = dailyTarget(ctx, day);
    const long = longDealsAround(ctx, day);
    const cash = cashEventsOfDay(ctx, day, target);
    return { day, target, long, cash, intradayRows: Math.max(0, target - longRowsOn(long, day) - cash.length) };
  });
}

/**
 * Draws the day's intraday deals in index order and hands each to `visit`. Deals are drawn until
 * their cash rows fill the frame's budget; a deal that would overshoot drops its optional fee rows.
 */
export function forEachIntradayDeal(ctx: GenerationContext, frame: DayFrame, visit: (deal: Deal) => void): void {
  let remaining = frame.intradayRows;
  const drawsMax = INTRADAY_DRAWS_PER_TARGET_MAX * frame.target + 64;
  for (let index = 0; remaining > 0 && index < drawsMax; index++) {
    const deal = intradayDeal(ctx, frame.day, index);
    trimDealRows(deal, remaining);
    remaining -= dealCashRowCount(deal);
    visit(deal);
  }
}
