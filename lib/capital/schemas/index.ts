/**
 * Capital.com wire schemas: every REST response and request body, the WebSocket frames, and the
 * catalogue of endpoints that ties each method + path to its schemas (used by the client to
 * parse, by the simulator to route and validate, and by tests to check the official examples).
 */
import type { z } from 'zod';
import { preferencesResponseSchema, topUpResponseSchema, accountsResponseSchema } from './accounts';
import { dealReferenceResponseSchema, statusResponseSchema } from './common';
import { confirmResponseSchema } from './confirms';
import { activityResponseSchema, transactionsResponseSchema } from './history';
import {
  marketDetailsSchema,
  marketNavigationNodeResponseSchema,
  marketNavigationResponseSchema,
  marketsResponseSchema,
} from './markets';
import { positionsResponseSchema, positionWithMarketSchema } from './positions';
import { pricesResponseSchema } from './prices';
import {
  addToWatchlistRequestSchema,
  createPositionRequestSchema,
  createSessionRequestSchema,
  createWatchlistRequestSchema,
  createWorkingOrderRequestSchema,
  switchAccountRequestSchema,
  topUpRequestSchema,
  updatePositionRequestSchema,
  updatePreferencesRequestSchema,
  updateWorkingOrderRequestSchema,
} from './requests';
import { clientSentimentSchema, clientSentimentsResponseSchema } from './sentiment';
import {
  createSessionResponseSchema,
  encryptionKeyResponseSchema,
  serverTimeResponseSchema,
  sessionDetailsResponseSchema,
  switchAccountResponseSchema,
} from './session';
import { createWatchlistResponseSchema, watchlistMarketsResponseSchema, watchlistsResponseSchema } from './watchlists';
import { workingOrdersResponseSchema } from './working-orders';

export * from './accounts';
export * from './common';
export * from './confirms';
export * from './history';
export * from './markets';
export * from './positions';
export * from './prices';
export * from './requests';
export * from './sentiment';
export * from './session';
export * from './streaming';
export * from './watchlists';
export * from './working-orders';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One REST call: `path` is relative to `/api/v1`, with `:name` for a path parameter. */
export interface EndpointSpec {
  readonly method: HttpMethod;
  readonly path: string;
  /** Schema of a 2xx body. Error bodies all follow `errorBodySchema`. */
  readonly response: z.ZodType;
  /** Schema of the request body, for calls that take one. */
  readonly request?: z.ZodType;
}

/** Every documented endpoint (REFERENCE §1–7, examples/INDEX.md). */
export const ENDPOINTS = {
  serverTime: { method: 'GET', path: '/time', response: serverTimeResponseSchema },
  ping: { method: 'GET', path: '/ping', response: statusResponseSchema },
  encryptionKey: { method: 'GET', path: '/session/encryptionKey', response: encryptionKeyResponseSchema },
  sessionDetails: { method: 'GET', path: '/session', response: sessionDetailsResponseSchema },
  createSession: { method: 'POST', path: '/session', response: createSessionResponseSchema, request: createSessionRequestSchema },
  switchAccount: { method: 'PUT', path: '/session', response: switchAccountResponseSchema, request: switchAccountRequestSchema },
  logout: { method: 'DELETE', path: '/session', response: statusResponseSchema },

  accounts: { method: 'GET', path: '/accounts', response: accountsResponseSchema },
  preferences: { method: 'GET', path: '/accounts/preferences', response: preferencesResponseSchema },
  updatePreferences: { method: 'PUT', path: '/accounts/preferences', response: statusResponseSchema, request: updatePreferencesRequestSchema },
  topUp: { method: 'POST', path: '/accounts/topUp', response: topUpResponseSchema, request: topUpRequestSchema },

  activity: { method: 'GET', path: '/history/activity', response: activityResponseSchema },
  transactions: { method: 'GET', path: '/history/transactions', response: transactionsResponseSchema },

  positions: { method: 'GET', path: '/positions', response: positionsResponseSchema },
  position: { method: 'GET', path: '/positions/:dealId', response: positionWithMarketSchema },
  createPosition: { method: 'POST', path: '/positions', response: dealReferenceResponseSchema, request: createPositionRequestSchema },
  updatePosition: { method: 'PUT', path: '/positions/:dealId', response: dealReferenceResponseSchema, request: updatePositionRequestSchema },
  closePosition: { method: 'DELETE', path: '/positions/:dealId', response: dealReferenceResponseSchema },

  workingOrders: { method: 'GET', path: '/workingorders', response: workingOrdersResponseSchema },
  createWorkingOrder: { method: 'POST', path: '/workingorders', response: dealReferenceResponseSchema, request: createWorkingOrderRequestSchema },
  updateWorkingOrder: { method: 'PUT', path: '/workingorders/:dealId', response: dealReferenceResponseSchema, request: updateWorkingOrderRequestSchema },
  deleteWorkingOrder: { method: 'DELETE', path: '/workingorders/:dealId', response: dealReferenceResponseSchema },

  confirm: { method: 'GET', path: '/confirms/:dealReference', response: confirmResponseSchema },

  marketNavigation: { method: 'GET', path: '/marketnavigation', response: marketNavigationResponseSchema },
  marketNavigationNode: { method: 'GET', path: '/marketnavigation/:nodeId', response: marketNavigationNodeResponseSchema },
  /** `searchTerm` (or nothing) gives `{ markets }`, `epics` gives `{ marketDetails }`. */
  markets: { method: 'GET', path: '/markets', response: marketsResponseSchema },
  market: { method: 'GET', path: '/markets/:epic', response: marketDetailsSchema },
  prices: { method: 'GET', path: '/prices/:epic', response: pricesResponseSchema },

  clientSentiments: { method: 'GET', path: '/clientsentiment', response: clientSentimentsResponseSchema },
  clientSentiment: { method: 'GET', path: '/clientsentiment/:marketId', response: clientSentimentSchema },

  watchlists: { method: 'GET', path: '/watchlists', response: watchlistsResponseSchema },
  createWatchlist: { method: 'POST', path: '/watchlists', response: createWatchlistResponseSchema, request: createWatchlistRequestSchema },
  watchlist: { method: 'GET', path: '/watchlists/:watchlistId', response: watchlistMarketsResponseSchema },
  addToWatchlist: { method: 'PUT', path: '/watchlists/:watchlistId', response: statusResponseSchema, request: addToWatchlistRequestSchema },
  removeFromWatchlist: { method: 'DELETE', path: '/watchlists/:watchlistId/:epic', response: statusResponseSchema },
  deleteWatchlist: { method: 'DELETE', path: '/watchlists/:watchlistId', response: statusResponseSchema },
} as const satisfies Record<string, EndpointSpec>;

export type EndpointName = keyof typeof ENDPOINTS;

/** A catalogue entry matched to a concrete path, with the path parameters it carried. */
export type EndpointMatch = EndpointSpec & {
  readonly name: EndpointName;
  readonly params: Readonly<Record<string, string>>;
};

const API_PREFIX = '/api/v1';

/**
 * The catalogue path of a URL or path: drops scheme and host, the `/api/v1` prefix, the query,
 * the fragment and a trailing slash (`https://…/api/v1/clientsentiment/?marketIds=A` → `/clientsentiment`).
 */
export function apiPathOf(url: string): string {
  let path = url.replace(/[?#].*$/, '').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) path = path.slice(API_PREFIX.length);
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

interface CompiledEndpoint {
  readonly name: EndpointName;
  readonly spec: EndpointSpec;
  readonly segments: readonly string[];
  readonly paramCount: number;
}

/** Literal paths are tried before parameterised ones, so a fixed segment always wins. */
const COMPILED: readonly CompiledEndpoint[] = (Object.entries(ENDPOINTS) as [EndpointName, EndpointSpec][])
  .map(([name, spec]) => {
    const segments = spec.path.split('/').filter(Boolean);
    return { name, spec, segments, paramCount: segments.filter((s) => s.startsWith(':')).length };
  })
  .sort((a, b) => a.paramCount - b.paramCount);

/**
 * The catalogue entry for a method and a concrete path (`GET`, `/positions/abc`), or undefined.
 * The path may be a full URL or carry a query; see `apiPathOf`.
 */
export function findEndpoint(method: string, path: string): EndpointMatch | undefined {
  const wanted = method.toUpperCase();
  const segments = apiPathOf(path).split('/').filter(Boolean);
  for (const candidate of COMPILED) {
    if (candidate.spec.method !== wanted || candidate.segments.length !== segments.length) continue;
    const params = matchSegments(candidate.segments, segments);
    if (params) return { ...candidate.spec, name: candidate.name, params };
  }
  return undefined;
}

function matchSegments(template: readonly string[], actual: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, part] of template.entries()) {
    const value = actual[index];
    if (value === undefined) return undefined;
    if (part.startsWith(':')) params[part.slice(1)] = decodeSegment(value);
    else if (part !== value) return undefined;
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
