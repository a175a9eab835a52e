import { z } from 'zod';
import { EPIC_PATTERN } from '../../lib/market/epic-batches';
import { instrumentId } from '../../lib/ledger/instrument-id';
import { latestSentiments, SENTIMENT_HISTORY_LIMIT_MAX, sentimentHistory, type SentimentDocument } from '../../lib/store/market-sentiment';
import { badRequest } from '../http/errors';
import { instant, pageLimit } from '../http/fields';
import { defineRoute, type RouteModule } from '../route';

/** Days before `to` a history request without `from` covers. */
export const SENTIMENT_HISTORY_DEFAULT_DAYS = 7;
/** Markets per latest-of-each request (they travel in the query string). */
const LATEST_MARKETS_MAX = 100;
const DAY_MS = 86_400_000;

const marketId = z.string().regex(EPIC_PATTERN, "a market id (the epic): upper-case letters, digits, '.', '_' or '-', at most 64").describe('market id, which is the Capital.com epic, e.g. GOLD');

const pointView = z.object({
  at: z.string().describe('the poll time, UTC'),
  longPercent: z.string().describe('share of clients long, percent, decimal string'),
  shortPercent: z.string().describe('share of clients short, percent, decimal string'),
  sourceId: z.string().describe('the polling workflow'),
});

const historyAnswer = z.object({
  marketId: z.string(),
  instrumentId: z.string(),
  from: z.string(),
  to: z.string(),
  points: z.array(pointView).describe('oldest first; the newest `limit` of the range'),
});

export type SentimentHistoryAnswer = z.infer<typeof historyAnswer>;

const iso = (ms: number) => new Date(ms).toISOString();

/** The answer of `GET /market/sentiment/{marketId}` (and `recon sentiment <marketId> --json`). */
export function sentimentHistoryView(query: { marketId: string; fromMs: number; toMs: number }, points: readonly SentimentDocument[]): SentimentHistoryAnswer {
  return {
    marketId: query.marketId,
    instrumentId: instrumentId(query.marketId),
    from: iso(query.fromMs),
    to: iso(query.toMs),
    points: points.map((point) => ({ at: iso(point.atMs), longPercent: point.longPercent, shortPercent: point.shortPercent, sourceId: point.sourceId })),
  };
}

/** `from` and `to` with their defaults: `to` now, `from` SENTIMENT_HISTORY_DEFAULT_DAYS before it. */
export function sentimentRange(fromMs: number | undefined, toMs: number | undefined, nowMs: number): { fromMs: number; toMs: number } {
  const to = toMs ?? nowMs;
  return { fromMs: fromMs ?? to - SENTIMENT_HISTORY_DEFAULT_DAYS * DAY_MS, toMs: to };
}

const historyQuery = z.strictObject({
  from: instant.optional().describe(`first instant (default: ${SENTIMENT_HISTORY_DEFAULT_DAYS} days before \`to\`)`),
  to: instant.optional().describe('last instant, inclusive (default: now)'),
  limit: pageLimit(1000, SENTIMENT_HISTORY_LIMIT_MAX),
});

const latestQuery = z.strictObject({
  marketIds: z
    .string()
    .transform((text) => [...new Set(text.split(',').map((item) => item.trim()).filter((item) => item !== ''))])
    .pipe(z.array(marketId).min(1, 'at least one market id').max(LATEST_MARKETS_MAX, `at most ${LATEST_MARKETS_MAX} market ids`))
    .describe(`comma-separated market ids (epics), at most ${LATEST_MARKETS_MAX}`),
});

const latestView = z.object({ marketId: z.string(), instrumentId: z.string(), ...pointView.shape });

export const sentimentRoutes: RouteModule = {
  tag: 'market',
  description: 'Client sentiment: the share of clients long and short each market, polled on a schedule (recon sentiment start) and kept as a time series.',
  routes: [
    defineRoute({
      method: 'GET',
      path: '/market/sentiment/{marketId}',
      operationId: 'getSentimentHistory',
      tag: 'market',
      summary: "A market's client sentiment over a time range, oldest first",
      description: 'From the stored polls (GET /clientsentiment, one point per poll). Percentages are decimal strings exactly as the broker sent them.',
      scope: 'market:read',
      params: z.strictObject({ marketId }),
      query: historyQuery,
      answers: { 200: { description: 'the points', content: { 'application/json': historyAnswer } }, 400: { description: 'bad_request: `to` before `from`, or a bad parameter' } },
      handle: async ({ params, query, deps }) => {
        const range = sentimentRange(query.from, query.to, Date.now());
        if (range.toMs < range.fromMs) throw badRequest(`to (${iso(range.toMs)}) is before from (${iso(range.fromMs)})`, [{ field: 'query.to', reason: 'not before from' }]);
        const points = await sentimentHistory(deps.db, { marketId: params.marketId, ...range, limit: query.limit });
        return sentimentHistoryView({ marketId: params.marketId, ...range }, points);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/market/sentiment',
      operationId: 'getLatestSentiment',
      tag: 'market',
      summary: 'The latest client sentiment of each market',
      description: 'A market that is not polled, or whose points are all past the retention, is listed under missing.',
      scope: 'market:read',
      query: latestQuery,
      answers: { 200: { description: 'the latest point of each market', content: { 'application/json': z.object({ items: z.array(latestView), missing: z.array(z.string()) }) } } },
      handle: async ({ query, deps }) => {
        const latest = await latestSentiments(deps.db, query.marketIds);
        const found = new Set(latest.map((point) => point.marketId));
        return {
          items: latest.map((point) => ({ marketId: point.marketId, instrumentId: point.instrumentId, at: iso(point.atMs), longPercent: point.longPercent, shortPercent: point.shortPercent, sourceId: point.sourceId })),
          missing: query.marketIds.filter((id) => !found.has(id)),
        };
      },
    }),
  ],
};
