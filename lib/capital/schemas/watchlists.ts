/** Watchlists: list, create, read, add a market, remove a market, delete. */
import { z } from 'zod';
import { openEnum } from './common';
import { marketSummarySchema } from './markets';

export const WATCHLIST_CREATE_STATUSES = ['SUCCESS', 'SUCCESS_NOT_ALL_INSTRUMENTS_ADDED'] as const;

export const watchlistSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  editable: z.boolean(),
  deleteable: z.boolean(),
  defaultSystemWatchlist: z.boolean(),
});
export type Watchlist = z.output<typeof watchlistSchema>;

/** `GET /watchlists`. */
export const watchlistsResponseSchema = z.looseObject({ watchlists: z.array(watchlistSchema) });
export type WatchlistsResponse = z.output<typeof watchlistsResponseSchema>;

/** `POST /watchlists`: SUCCESS_NOT_ALL_INSTRUMENTS_ADDED when some epics were unknown. */
export const createWatchlistResponseSchema = z.looseObject({
  watchlistId: z.string(),
  status: openEnum(WATCHLIST_CREATE_STATUSES),
});
export type CreateWatchlistResponse = z.output<typeof createWatchlistResponseSchema>;

/** `GET /watchlists/:watchlistId`. */
export const watchlistMarketsResponseSchema = z.looseObject({ markets: z.array(marketSummarySchema) });
export type WatchlistMarketsResponse = z.output<typeof watchlistMarketsResponseSchema>;
