import { parseBrokerUtc } from '../../lib/capital/broker-time';
import { activityBetween } from '../data/activity';
import { transactionsBetween } from '../data/transactions';
import { parseFiql } from '../fiql';
import { fail, ok, type Route, type RouteContext, type RouteResult } from '../router';
import type { SimulatorWorld } from '../world';

const DEFAULT_LAST_PERIOD_S = 600;
const ACTIVITY_MAX_SPAN_MS = 86_400_000;
/** With only one bound, a one-day window (documented for activity; assumed for transactions). */
const ONE_BOUND_SPAN_MS = 86_400_000;
/** What the simulator will ever return in one response, whatever is asked. */
const HARD_ROW_LIMIT = 2_000_000;

type Range = { fromMs: number; toMs: number } | RouteResult;

/**
 * The query's time range, as the broker reads it: `from`/`to` (UTC, compared with the rows' UTC
 * time, both inclusive), else `lastPeriod` seconds back from now (600 by default). With only one
 * bound, a one-day window is applied on the other side.
 */
function rangeOf(ctx: RouteContext): Range {
  const from = ctx.query.get('from');
  const to = ctx.query.get('to');
  if (from !== null || to !== null) {
    const fromMs = from !== null ? parseBrokerUtc(from) : undefined;
    const toMs = to !== null ? parseBrokerUtc(to) : undefined;
    if (from !== null && fromMs === undefined) return fail(400, 'error.invalid.from');
    if (to !== null && toMs === undefined) return fail(400, 'error.invalid.to');
    const start = fromMs ?? (toMs as number) - ONE_BOUND_SPAN_MS;
    const end = toMs ?? Math.min((fromMs as number) + ONE_BOUND_SPAN_MS, ctx.now);
    if (end < start) return fail(400, 'error.invalid.daterange');
    return { fromMs: start, toMs: end + 1 }; // inclusive `to`
  }
  const lastPeriod = ctx.query.get('lastPeriod');
  const seconds = lastPeriod === null ? DEFAULT_LAST_PERIOD_S : Number(lastPeriod);
  if (!Number.isInteger(seconds) || seconds < 1) return fail(400, 'error.invalid.lastPeriod');
  return { fromMs: ctx.now - seconds * 1000, toMs: ctx.now };
}

function accountOf(world: SimulatorWorld, ctx: RouteContext) {
  return world.account(ctx.session.accountId) ?? world.defaultAccount();
}

export function historyRoutes(world: SimulatorWorld): Route[] {
  return [
    {
      method: 'GET',
      path: '/history/activity',
      auth: true,
      handle(ctx) {
        const range = rangeOf(ctx);
        if ('status' in range) return range;
        if (range.toMs - 1 - range.fromMs > ACTIVITY_MAX_SPAN_MS) return fail(400, 'error.invalid.daterange');
        if (ctx.query.get('lastPeriod') !== null && Number(ctx.query.get('lastPeriod')) > 86_400) return fail(400, 'error.invalid.daterange');
        const filterText = ctx.query.get('filter');
        const filter = filterText ? parseFiql(filterText) : undefined;
        if (filter && 'error' in filter) return fail(400, 'error.invalid.filter');
        const dealId = ctx.query.get('dealId');
        const detailed = ctx.query.get('detailed') === 'true';

        const activities = [];
        for (const row of activityBetween({ seed: world.seed, account: accountOf(world, ctx), fromMs: range.fromMs, toMs: range.toMs, detailed })) {
          if (dealId && row.dealId !== dealId) continue;
          if (filter && !filter(row)) continue;
          activities.push(row);
          if (activities.length >= HARD_ROW_LIMIT) break;
        }
        // Newest first, as the broker lists them.
        return ok({ activities: activities.reverse() });
      },
    },
    {
      method: 'GET',
      path: '/history/transactions',
      auth: true,
      handle(ctx) {
        const range = rangeOf(ctx);
        if ('status' in range) return range;
        const { transactionsMaxRangeMs, transactionsRowCap } = world.options.history;
        if (transactionsMaxRangeMs !== undefined && range.toMs - 1 - range.fromMs > transactionsMaxRangeMs) return fail(400, 'error.invalid.daterange');
        const type = ctx.query.get('type');
        const cap = Math.min(transactionsRowCap ?? HARD_ROW_LIMIT, HARD_ROW_LIMIT);

        let transactions = [];
        const rows = transactionsBetween({ seed: world.seed, account: accountOf(world, ctx), fromMs: range.fromMs, toMs: range.toMs, options: world.options.transactionOptions });
        for (const row of rows) {
          if (type && row.transactionType !== type) continue;
          transactions.push(row);
          if (transactions.length >= HARD_ROW_LIMIT) break;
        }
        // Newest first, as the broker lists them; a cap silently leaves out the oldest rows.
        transactions = transactions.reverse().slice(0, cap);
        return ok({ transactions });
      },
    },
  ];
}
