import type { Logger } from '../lib/log';
import type { SimulatedAccount } from './data/accounts';
import type { TransactionOptions } from './data/transactions';
import type { Faults, FaultsPatch } from './faults';
import { generatedPrices, isKnownEpic } from './market-feed';
import type { Route } from './router';
import { accountRoutes } from './routes/accounts';
import { historyRoutes } from './routes/history';
import { marketRoutes } from './routes/markets';
import { sentimentRoutes } from './routes/sentiment';
import { sessionRoutes } from './routes/session';
import { tradingRoutes } from './routes/trading';
import { watchlistRoutes } from './routes/watchlists';
import { startHttpSimulator, type SimulatorCore, type SimulatorStats } from './server';
import type { SessionPolicy, SimulatorCredentials } from './sessions';
import { attachStreamingServer, type StreamingServer } from './streaming';
import { TradingBook } from './trading-book';
import { SimulatorWorld, type HistoryPolicy } from './world';

export type { Faults, FaultsPatch } from './faults';
export type { SimulatorCredentials } from './sessions';

/** Credentials the simulator accepts unless told otherwise (they are the simulator's, not secrets). */
export const SIMULATOR_DEFAULT_CREDENTIALS: SimulatorCredentials = {
  apiKey: 'sim-api-key-0000',
  identifier: 'demo@capital-recon.test',
  password: 'sim-password',
};

export interface SimulatorOptions {
  host?: string;
  port?: number;
  seed: number;
  accountCount?: number;
  transactionsPerMonth?: number;
  transactionOptions?: TransactionOptions;
  credentials?: SimulatorCredentials;
  session?: Partial<SessionPolicy>;
  history?: HistoryPolicy;
  /** How long a deal confirmation stays unknown (404) after the POST; 0 = at once. */
  confirmDelayMs?: number;
  quotesPerSecond?: number;
  faults?: FaultsPatch;
  log: Logger;
}

export interface RunningSimulator {
  url: string;
  /** `…/api/v1`, for CAPITAL_BASE_URL-style configuration. */
  restBaseUrl: string;
  streamingUrl: string;
  credentials: SimulatorCredentials;
  core: SimulatorCore;
  streaming: StreamingServer;
  accounts(): SimulatedAccount[];
  setFaults(patch: FaultsPatch): Faults;
  stats(): SimulatorStats & { streaming: ReturnType<StreamingServer['stats']> };
  close(): Promise<void>;
}

/**
 * The Capital.com simulator: REST and WebSocket on one port, deterministic accounts from `seed`,
 * the broker's sessions and limits, and fault injection.
 */
export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const credentials = options.credentials ?? SIMULATOR_DEFAULT_CREDENTIALS;
  const world = new SimulatorWorld({
    seed: options.seed,
    accountCount: options.accountCount ?? 2,
    transactionsPerMonth: options.transactionsPerMonth,
    transactionOptions: options.transactionOptions,
    history: options.history ?? {},
  });
  const books = new Map<string, TradingBook>();
  const bookOf = (accountId: string): TradingBook => {
    let book = books.get(accountId);
    if (!book) {
      book = new TradingBook(world.seed, world.account(accountId) ?? world.defaultAccount(), options.confirmDelayMs ?? 0);
      books.set(accountId, book);
    }
    return book;
  };

  // The streaming server is attached once the HTTP server listens; fault changes may come first.
  const feed: { server?: StreamingServer } = {};
  let dropTimer: NodeJS.Timeout | undefined;
  let streamingHost = '';
  const applyStreamingFaults = (faults: Faults) => {
    feed.server?.setSilent(faults.silentFeed);
    if (dropTimer) clearInterval(dropTimer);
    dropTimer = faults.dropStreamsEveryMs > 0 ? setInterval(() => feed.server?.dropAll(), faults.dropStreamsEveryMs) : undefined;
    dropTimer?.unref();
  };

  const routes = (core: SimulatorCore): Route[] => [
    ...sessionRoutes(world, core, () => streamingHost),
    ...accountRoutes(world),
    ...historyRoutes(world),
    ...marketRoutes(world),
    ...sentimentRoutes(),
    ...watchlistRoutes(world),
    ...tradingRoutes((ctx) => bookOf(ctx.session.accountId)),
  ];
  const http = await startHttpSimulator({
    host: options.host,
    port: options.port,
    seed: options.seed,
    credentials,
    defaultAccountId: () => world.defaultAccount().accountId,
    session: options.session,
    faults: options.faults,
    log: options.log,
    routes,
    onFaultsChanged: applyStreamingFaults,
  });
  streamingHost = `${http.url.replace(/^http/, 'ws')}/`;
  const streaming = attachStreamingServer(http.server, {
    authenticate: (cst, securityToken) => (http.sessions.isValid(cst, securityToken) ? 'ok' : 'invalid'),
    prices: generatedPrices,
    knownEpic: isKnownEpic,
    quotesPerSecond: options.quotesPerSecond ?? 1_000,
    clock: () => http.clock.now(),
    log: options.log,
  });
  feed.server = streaming;
  applyStreamingFaults(http.faults());

  return {
    url: http.url,
    restBaseUrl: `${http.url}/api/v1`,
    streamingUrl: `${streamingHost}connect`,
    credentials,
    core: http,
    streaming: streaming,
    accounts: () => world.accounts,
    setFaults: (patch) => http.setFaults(patch),
    stats: () => ({ ...http.stats(), streaming: streaming.stats() }),
    async close() {
      if (dropTimer) clearInterval(dropTimer);
      await streaming.close();
      await http.close();
    },
  };
}
