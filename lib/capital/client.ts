import type { z } from 'zod';
import { CapitalInvalidRequestError, CapitalResponseError } from './errors';
import { insideWindow, parseBrokerUtc, queryBounds, splitWindow, type TimeWindow } from './broker-time';
import { ENDPOINTS, parseResponse, type Activity, type EndpointName } from './schemas';
import type { CapitalSession } from './session';
import type { CapitalRequest, CapitalTransport } from './transport';
import type { Resolution } from './vocabulary';

type Endpoints = typeof ENDPOINTS;
export type EndpointOutput<Name extends EndpointName> = z.output<Endpoints[Name]['response']>;
type RequestBody<Name extends EndpointName> = Endpoints[Name] extends { request: z.ZodType } ? z.input<Endpoints[Name]['request']> : never;

export interface CallArgs {
  params?: Record<string, string>;
  query?: CapitalRequest['query'];
  body?: unknown;
}

/** Calls that need no session (the login itself is the session's business). */
const UNAUTHENTICATED: ReadonlySet<EndpointName> = new Set(['serverTime']);
/** Calls under the trading limits that must never be retried blindly. */
const TRADING: ReadonlySet<EndpointName> = new Set(['createPosition', 'createWorkingOrder']);

export const ACTIVITY_MAX_SPAN_MS = 86_400_000;
export const PRICES_MAX_PER_CALL = 1000;
export const MARKETS_MAX_EPICS_PER_CALL = 50;


export interface ActivityQuery {
  detailed?: boolean;
  dealId?: string;
  /** FIQL over epic, source, status, type: `source!=DEALER;type==POSITION`. */
  filter?: string;
}

/**
 * The Capital.com REST API, one method per endpoint. Every response is checked against its schema
 * (unknown fields kept, money as exact decimals); failures are typed errors naming the endpoint.
 */
export class CapitalClient {
  constructor(
    readonly session: CapitalSession,
    private readonly transport: CapitalTransport,
  ) {}

  /** Any catalogued endpoint by name; the friendly methods below are thin wrappers of this. */
  async call<Name extends EndpointName>(name: Name, args: CallArgs = {}): Promise<EndpointOutput<Name>> {
    return (await this.callWithRaw(name, args)).parsed;
  }

  /** Like `call`, with the body as it came over the wire (for raw-payload archives and digests). */
  async callWithRaw<Name extends EndpointName>(name: Name, args: CallArgs = {}): Promise<{ parsed: EndpointOutput<Name>; raw: unknown }> {
    const spec = ENDPOINTS[name] as Endpoints[EndpointName];
    const endpoint = `${spec.method} ${spec.path}`;
    if ('request' in spec && args.body !== undefined) {
      const checked = spec.request.safeParse(args.body);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new CapitalInvalidRequestError(endpoint, issue?.path.map(String).join('.') ?? '', issue?.message ?? 'invalid');
      }
    }
    const request: CapitalRequest = {
      endpoint,
      method: spec.method,
      path: fillPath(spec.path, args.params ?? {}),
      query: args.query,
      body: args.body,
      trading: TRADING.has(name),
    };
    const response = UNAUTHENTICATED.has(name) ? await this.transport.send(request) : await this.session.request(request);
    return { parsed: parseResponse(endpoint, spec.response, response.body) as EndpointOutput<Name>, raw: response.body };
  }

  // Session and accounts
  serverTime() { return this.call('serverTime'); }
  ping() { return this.call('ping'); }
  sessionDetails() { return this.call('sessionDetails'); }
  switchAccount(accountId: string) { return this.call('switchAccount', { body: { accountId } }); }
  logout() { return this.session.logout(); }
  accounts() { return this.call('accounts'); }
  preferences() { return this.call('preferences'); }
  updatePreferences(body: RequestBody<'updatePreferences'>) { return this.call('updatePreferences', { body }); }
  topUp(amount: number) { return this.call('topUp', { body: { amount } }); }

  // History
  /** One `/history/activity` request; the broker refuses spans over one day (see activityBetween). */
  activity(query: ActivityQuery & { from?: string; to?: string; lastPeriod?: number } = {}) {
    if (query.lastPeriod !== undefined && (query.lastPeriod < 1 || query.lastPeriod > 86_400)) {
      throw new CapitalInvalidRequestError('GET /history/activity', 'lastPeriod', 'must be between 1 and 86400 seconds');
    }
    return this.call('activity', { query: { ...query } });
  }

  /**
   * All activity in [fromMs, toMs), one request per day at most (the broker's cap), each day's
   * rows kept only inside its exact window so boundaries are neither lost nor doubled.
   */
  async *activityBetween(window: TimeWindow, query: ActivityQuery = {}) {
    for (const day of splitWindow(window, ACTIVITY_MAX_SPAN_MS)) {
      const { activities } = await this.call('activity', { query: { ...queryBounds(day), ...query } });
      // A row no window can hold would vanish in the filter below: refuse the answer, naming it.
      const unplaced = activities.findIndex((row) => parseBrokerUtc(row.dateUtc) === undefined);
      if (unplaced >= 0) throw new CapitalResponseError('GET /history/activity', `activities.${unplaced}.dateUtc`, `'${(activities[unplaced] as Activity).dateUtc}' is not a calendar time`);
      yield { window: day, activities: chronological(activities.filter((row) => rowInside(row.dateUtc, day))) };
    }
  }

  transactions(query: { from?: string; to?: string; lastPeriod?: number; type?: string } = {}) {
    return this.call('transactions', { query: { ...query } });
  }

  /** Transactions in [fromMs, toMs) exactly, oldest first (the broker lists newest first). */
  async transactionsIn(window: TimeWindow, type?: string) {
    const { transactions } = await this.call('transactions', { query: { ...queryBounds(window), type } });
    return chronological(transactions.filter((row) => transactionInside(row.dateUtc, window)));
  }

  /**
   * The same window with each parsed row's wire form: `raw[i]` is the row `rows[i]` was parsed
   * from (the parser keeps array order), oldest first.
   */
  async transactionsInWithRaw(window: TimeWindow, type?: string) {
    const { parsed, raw } = await this.callWithRaw('transactions', { query: { ...queryBounds(window), type } });
    const wire = (raw as { transactions: unknown[] }).transactions;
    const pairs = parsed.transactions.map((row, index) => ({ row, raw: wire[index] })).filter(({ row }) => transactionInside(row.dateUtc, window));
    const ordered = chronological(pairs.map((pair) => ({ ...pair, dateUtc: pair.row.dateUtc })));
    return { rows: ordered.map((p) => p.row), raw: ordered.map((p) => p.raw) };
  }

  // Positions, working orders, confirms
  positions() { return this.call('positions'); }
  position(dealId: string) { return this.call('position', { params: { dealId } }); }
  openPosition(body: RequestBody<'createPosition'>) { return this.call('createPosition', { body }); }
  amendPosition(dealId: string, body: RequestBody<'updatePosition'>) { return this.call('updatePosition', { params: { dealId }, body }); }
  /** Closes the whole position (the API ignores sizes here). */
  closePosition(dealId: string) { return this.call('closePosition', { params: { dealId } }); }
  workingOrders() { return this.call('workingOrders'); }
  createWorkingOrder(body: RequestBody<'createWorkingOrder'>) { return this.call('createWorkingOrder', { body }); }
  amendWorkingOrder(dealId: string, body: RequestBody<'updateWorkingOrder'>) { return this.call('updateWorkingOrder', { params: { dealId }, body }); }
  deleteWorkingOrder(dealId: string) { return this.call('deleteWorkingOrder', { params: { dealId } }); }
  confirm(dealReference: string) { return this.call('confirm', { params: { dealReference } }); }

  // Markets, prices, sentiment
  marketNavigation() { return this.call('marketNavigation'); }
  marketNavigationNode(nodeId: string, limit?: number) {
    if (limit !== undefined && (limit < 1 || limit > 500)) throw new CapitalInvalidRequestError('GET /marketnavigation/:nodeId', 'limit', 'must be between 1 and 500');
    return this.call('marketNavigationNode', { params: { nodeId }, query: { limit } });
  }
  searchMarkets(searchTerm: string) { return this.call('markets', { query: { searchTerm } }); }
  /** Market details for any number of epics, 50 per request. */
  async marketsByEpics(epics: string[]) {
    const details = [];
    for (let i = 0; i < epics.length; i += MARKETS_MAX_EPICS_PER_CALL) {
      const page = await this.call('markets', { query: { epics: epics.slice(i, i + MARKETS_MAX_EPICS_PER_CALL).join(',') } });
      details.push(...('marketDetails' in page && Array.isArray(page.marketDetails) ? page.marketDetails : []));
    }
    return details;
  }
  market(epic: string) { return this.call('market', { params: { epic } }); }

  prices(epic: string, query: { resolution?: Resolution; max?: number; from?: string; to?: string } = {}) {
    if (query.max !== undefined && (query.max < 1 || query.max > PRICES_MAX_PER_CALL)) {
      throw new CapitalInvalidRequestError('GET /prices/:epic', 'max', `must be between 1 and ${PRICES_MAX_PER_CALL}`);
    }
    return this.call('prices', { params: { epic }, query: { ...query } });
  }

  clientSentiments(marketIds: string[]) { return this.call('clientSentiments', { query: { marketIds: marketIds.join(',') } }); }
  clientSentiment(marketId: string) { return this.call('clientSentiment', { params: { marketId } }); }

  // Watchlists
  watchlists() { return this.call('watchlists'); }
  createWatchlist(name: string, epics?: string[]) { return this.call('createWatchlist', { body: { name, ...(epics ? { epics } : {}) } }); }
  watchlist(watchlistId: string) { return this.call('watchlist', { params: { watchlistId } }); }
  addToWatchlist(watchlistId: string, epic: string) { return this.call('addToWatchlist', { params: { watchlistId }, body: { epic } }); }
  removeFromWatchlist(watchlistId: string, epic: string) { return this.call('removeFromWatchlist', { params: { watchlistId, epic } }); }
  deleteWatchlist(watchlistId: string) { return this.call('deleteWatchlist', { params: { watchlistId } }); }
}

function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new CapitalInvalidRequestError(template, name, 'is required');
    return encodeURIComponent(value);
  });
}

/** Oldest first; rows at the same instant keep the broker's relative order reversed back. */
function chronological<Row extends { dateUtc: string }>(rows: Row[]): Row[] {
  return rows
    .map((row, index) => ({ row, index, at: parseBrokerUtc(row.dateUtc) ?? 0 }))
    .sort((a, b) => a.at - b.at || b.index - a.index)
    .map(({ row }) => row);
}

function rowInside(dateUtc: string, window: TimeWindow): boolean {
  const at = parseBrokerUtc(dateUtc);
  return at !== undefined && insideWindow(at, window);
}

/**
 * Like `rowInside`, but a row whose date is no calendar time (2025-02-30, which the schema's
 * pattern lets through) is kept: normalisation quarantines it with the reason. Dropping it here
 * would lose it without a word.
 */
function transactionInside(dateUtc: string, window: TimeWindow): boolean {
  const at = parseBrokerUtc(dateUtc);
  return at === undefined || insideWindow(at, window);
}
