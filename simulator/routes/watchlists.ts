import { addToWatchlistRequestSchema, createWatchlistRequestSchema } from '../../lib/capital/schemas';
import { findMarket } from '../data/markets';
import { marketSummary } from '../data/market-wire';
import { fail, ok, type Route, type RouteContext } from '../router';
import type { SimulatorWorld } from '../world';

interface Watchlist {
  id: string;
  name: string;
  epics: string[];
  editable: boolean;
  deleteable: boolean;
  defaultSystemWatchlist: boolean;
}

const WATCHLISTS_MAX = 200;
const EPICS_PER_WATCHLIST_MAX = 500;

/** The six watchlist calls (§7.6), per account, starting with one system watchlist. */
export function watchlistRoutes(world: SimulatorWorld): Route[] {
  const lists = new Map<string, Watchlist[]>();
  let nextId = 100_000 + (world.seed % 800_000);
  const listsOf = (ctx: RouteContext): Watchlist[] => {
    const accountId = (world.account(ctx.session.accountId) ?? world.defaultAccount()).accountId;
    let found = lists.get(accountId);
    if (!found) {
      found = [{ id: String(nextId++), name: 'Popular', epics: ['US500', 'GOLD', 'EURUSD', 'BTCUSD'].filter((e) => findMarket(e)), editable: false, deleteable: false, defaultSystemWatchlist: true }];
      lists.set(accountId, found);
    }
    return found;
  };
  const offset = (ctx: RouteContext) => (world.account(ctx.session.accountId) ?? world.defaultAccount()).timezoneOffset;

  return [
    {
      method: 'GET',
      path: '/watchlists',
      auth: true,
      handle: (ctx) => ok({ watchlists: listsOf(ctx).map(({ epics: _epics, ...rest }) => rest) }),
    },
    {
      method: 'POST',
      path: '/watchlists',
      auth: true,
      handle(ctx) {
        const body = createWatchlistRequestSchema.safeParse(ctx.body ?? {});
        if (!body.success) return fail(400, 'error.size.createwatchlistrequest.name');
        const all = listsOf(ctx);
        if (all.length >= WATCHLISTS_MAX) return fail(400, 'error.invalid.watchlist.count');
        const requested = body.data.epics ?? [];
        const epics = [...new Set(requested.filter((epic) => findMarket(epic)))].slice(0, EPICS_PER_WATCHLIST_MAX);
        const watchlist: Watchlist = { id: String(nextId++), name: body.data.name, epics, editable: true, deleteable: true, defaultSystemWatchlist: false };
        all.push(watchlist);
        return ok({ watchlistId: watchlist.id, status: epics.length === requested.length ? 'SUCCESS' : 'SUCCESS_NOT_ALL_INSTRUMENTS_ADDED' });
      },
    },
    {
      method: 'GET',
      path: '/watchlists/:watchlistId',
      auth: true,
      handle(ctx) {
        const watchlist = listsOf(ctx).find((w) => w.id === ctx.params.watchlistId);
        if (!watchlist) return fail(404, 'error.invalid.watchlist');
        return ok({ markets: watchlist.epics.map((epic) => marketSummary(epic, ctx.now, offset(ctx))) });
      },
    },
    {
      method: 'PUT',
      path: '/watchlists/:watchlistId',
      auth: true,
      handle(ctx) {
        const watchlist = listsOf(ctx).find((w) => w.id === ctx.params.watchlistId);
        if (!watchlist) return fail(404, 'error.not-found.watchlist');
        const body = addToWatchlistRequestSchema.safeParse(ctx.body ?? {});
        if (!body.success || !findMarket(body.data.epic)) return fail(404, 'error.not-found.epic');
        if (!watchlist.epics.includes(body.data.epic)) {
          if (watchlist.epics.length >= EPICS_PER_WATCHLIST_MAX) return fail(400, 'error.invalid.watchlist.size');
          watchlist.epics.push(body.data.epic);
        }
        return ok({ status: 'SUCCESS' });
      },
    },
    {
      method: 'DELETE',
      path: '/watchlists/:watchlistId/:epic',
      auth: true,
      handle(ctx) {
        const watchlist = listsOf(ctx).find((w) => w.id === ctx.params.watchlistId);
        if (!watchlist) return fail(404, 'error.not-found.watchlist');
        const at = watchlist.epics.indexOf(ctx.params.epic as string);
        if (at < 0) return fail(404, 'error.not-found.epic');
        watchlist.epics.splice(at, 1);
        return ok({ status: 'SUCCESS' });
      },
    },
    {
      method: 'DELETE',
      path: '/watchlists/:watchlistId',
      auth: true,
      handle(ctx) {
        const all = listsOf(ctx);
        const at = all.findIndex((w) => w.id === ctx.params.watchlistId && w.deleteable);
        if (at < 0) return fail(404, 'error.not-found.watchlist');
        all.splice(at, 1);
        return ok({ status: 'SUCCESS' });
      },
    },
  ];
}
