import { parseBrokerUtc } from '../../lib/capital/broker-time';
import { allMarkets, findMarket, searchMarkets } from '../data/markets';
import { marketDetails, marketSummary } from '../data/market-wire';
import { navigationNode, navigationRoot } from '../data/navigation';
import { bars, isResolution, resolutionMs, type Resolution } from '../data/prices';
import { fail, ok, type Route, type RouteContext } from '../router';
import type { SimulatorWorld } from '../world';

const NAVIGATION_LIMIT_DEFAULT = 500;
const EPICS_PER_REQUEST_MAX = 50;
const PRICES_MAX = 1000;
const PRICES_DEFAULT = 10;
/** Wider ranges are refused as the broker does (error.invalid.daterange); keeps responses bounded. */
const PRICE_RANGE_BARS_MAX = 100_000;

function offsetOf(world: SimulatorWorld, ctx: RouteContext): number {
  return (world.account(ctx.session.accountId) ?? world.defaultAccount()).timezoneOffset;
}

export function marketRoutes(world: SimulatorWorld): Route[] {
  return [
    {
      method: 'GET',
      path: '/marketnavigation',
      auth: true,
      handle: () => ok({ nodes: navigationRoot() }),
    },
    {
      method: 'GET',
      path: '/marketnavigation/:nodeId',
      auth: true,
      handle(ctx) {
        const limitText = ctx.query.get('limit');
        const limit = limitText === null ? NAVIGATION_LIMIT_DEFAULT : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > NAVIGATION_LIMIT_DEFAULT) return fail(400, 'error.invalid.limit');
        const node = navigationNode(ctx.params.nodeId as string);
        if (!node) return fail(404, 'error.not-found.nodeId');
        if (node.epics.length === 0) return ok({ nodes: node.nodes.slice(0, limit) });
        const offset = offsetOf(world, ctx);
        return ok({ nodes: node.nodes.slice(0, limit), markets: node.epics.slice(0, limit).map((epic) => marketSummary(epic, ctx.now, offset)) });
      },
    },
    {
      method: 'GET',
      path: '/markets',
      auth: true,
      handle(ctx) {
        const offset = offsetOf(world, ctx);
        const searchTerm = ctx.query.get('searchTerm');
        const epics = ctx.query.get('epics');
        // When both are given, searchTerm wins (§7.2).
        if (searchTerm !== null) {
          if (searchTerm.trim() === '') return fail(400, 'error.null.searchTerm');
          return ok({ markets: searchMarkets(searchTerm).map((m) => marketSummary(m.epic, ctx.now, offset)) });
        }
        if (epics !== null) {
          const list = epics.split(',').map((e) => e.trim()).filter(Boolean);
          if (list.length === 0) return fail(400, 'error.null.epic');
          if (list.length > EPICS_PER_REQUEST_MAX) return fail(400, 'error.invalid.epics');
          const known = list.filter((epic) => findMarket(epic));
          if (known.length === 0) return fail(404, 'error.not-found.epic');
          return ok({ marketDetails: known.map((epic) => marketDetails(epic, ctx.now, offset)) });
        }
        return ok({ markets: allMarkets().map((m) => marketSummary(m.epic, ctx.now, offset)) });
      },
    },
    {
      method: 'GET',
      path: '/markets/:epic',
      auth: true,
      handle(ctx) {
        const epic = ctx.params.epic as string;
        if (!findMarket(epic)) return fail(404, 'error.not-found.epic');
        return ok(marketDetails(epic, ctx.now, offsetOf(world, ctx)));
      },
    },
    {
      method: 'GET',
      path: '/prices/:epic',
      auth: true,
      handle(ctx) {
        const epic = ctx.params.epic as string;
        const market = findMarket(epic);
        if (!market) return fail(404, 'error.not-found.epic');
        const resolutionText = ctx.query.get('resolution') ?? 'MINUTE';
        if (!isResolution(resolutionText)) return fail(400, 'error.invalid.resolution');
        const resolution: Resolution = resolutionText;
        const maxText = ctx.query.get('max');
        const max = maxText === null ? PRICES_DEFAULT : Number(maxText);
        if (!Number.isInteger(max) || max < 1 || max > PRICES_MAX) return fail(400, 'error.invalid.max');

        const stepMs = resolutionMs(resolution);
        const fromText = ctx.query.get('from');
        const toText = ctx.query.get('to');
        const fromMs = fromText === null ? undefined : parseBrokerUtc(fromText);
        const toMs = toText === null ? ctx.now : parseBrokerUtc(toText);
        if (fromText !== null && fromMs === undefined) return fail(400, 'error.invalid.from');
        if (toMs === undefined) return fail(400, 'error.invalid.to');
        if (toMs > ctx.now) return fail(400, 'error.invalid.daterange');
        const start = fromMs ?? toMs - max * stepMs;
        if (start > toMs || (toMs - start) / stepMs > PRICE_RANGE_BARS_MAX) return fail(400, 'error.invalid.daterange');

        const offset = offsetOf(world, ctx);
        const all = bars(epic, resolution, start, toMs + 1, { timezoneOffsetHours: offset });
        // With a start the first `max` bars from it (so callers can page forward); else the latest.
        const prices = fromMs !== undefined ? all.slice(0, max) : all.slice(-max);
        if (prices.length === 0) return fail(404, 'error.prices.not-found');
        return ok({ prices, instrumentType: market.type });
      },
    },
  ];
}
