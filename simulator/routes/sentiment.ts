import { findMarket } from '../data/markets';
import { sentimentAt } from '../data/sentiment';
import { fail, ok, type Route } from '../router';

const MARKET_IDS_MAX = 100;

export function sentimentRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/clientsentiment',
      auth: true,
      handle(ctx) {
        const ids = (ctx.query.get('marketIds') ?? '').split(',').map((id) => id.trim()).filter(Boolean);
        if (ids.length === 0) return fail(400, 'error.null.marketIds');
        if (ids.length > MARKET_IDS_MAX) return fail(400, 'error.invalid.marketIds');
        if (ids.some((id) => !findMarket(id))) return fail(404, 'error.not-found.epic');
        return ok({ clientSentiments: ids.map((id) => sentimentAt(id, ctx.now)) });
      },
    },
    {
      method: 'GET',
      path: '/clientsentiment/:marketId',
      auth: true,
      handle(ctx) {
        const id = ctx.params.marketId as string;
        return findMarket(id) ? ok(sentimentAt(id, ctx.now)) : fail(404, 'error.not-found.epic');
      },
    },
  ];
}
