import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CapitalClient } from '../lib/capital';
import { openMarketStream } from '../lib/capital/market-stream';
import { StreamingGaveUpError, StreamingSubscriptionRejectedError, type ReconnectPolicy } from '../lib/capital/streaming';
import type { Resolution } from '../lib/market/resolutions';
import { QuoteSink, type QuoteSinkStats } from '../lib/store/market-sink';
import { pruneQuoteDays } from '../lib/store/market-quotes';
import type { ActivityDeps } from './deps';

export interface MarketActivityDeps extends ActivityDeps {
  capitalFor(accountId: string): CapitalClient;
  quoteRetentionDays: number;
}

/** Knobs of one stream; the defaults suit the live broker, tests shorten them. */
export interface StreamTuning {
  /** WebSocket keep-alive ping (the server ends a silent session after 10 minutes). Default 60 s. */
  pingIntervalMs?: number;
  /** A connection without a quote for this long is reconnected. Default 30 s. */
  staleAfterMs?: number;
  /** A batch without any quote for this long fails, so the supervisor restarts it. Default 5 minutes. */
  silentFailAfterMs?: number;
  /** Pause between two store writes while quotes flow. Default 50 ms. */
  writeEveryMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
}

export interface StreamBatchInput {
  accountId: string;
  streamId: string;
  batchId: number;
  epics: string[];
  /** Resolutions of quote bars built and stored (default all eight). */
  resolutions?: Resolution[];
  /** Broker `ohlc.event` bars to subscribe to and store as their own series (none by default). */
  ohlcResolutions?: Resolution[];
  /** The batch ends cleanly after this long and the supervisor starts it again. */
  runForMs: number;
  tuning?: StreamTuning;
}

export interface StreamBatchResult {
  batchId: number;
  epics: number;
  ranForMs: number;
  sessionRenewals: number;
  reconnects: number;
  quotesStored: number;
  quotesRejected: number;
  lateQuotes: number;
  barsClosed: number;
  ohlcBarsStored: number;
}

export interface StreamProgress {
  batchId: number;
  /** When these figures were taken (epoch ms): rates come from two of them. */
  atMs: number;
  connections: number;
  connected: number;
  reconnects: number;
  sessionRenewals: number;
  sink: QuoteSinkStats;
}

export interface MarketChoresInput {
  accountId: string;
  /** Log in again now, ahead of the session's suspected hard lifetime (REFERENCE.md §1.5). */
  renewSession: boolean;
}

export interface MarketChoresResult {
  pinged: boolean;
  renewed: boolean;
  quoteDaysDropped: string[];
}

const HEARTBEAT_EVERY_MS = 2_000;
const SILENT_FAIL_AFTER_MS_DEFAULT = 5 * 60_000;

/** The market-data queue's activities: a batch of epics streamed into the store, and the session chores of its supervisor. */
export function createMarketStreamActivities(deps: MarketActivityDeps) {
  return {
    /**
     * Holds one connection's worth of epics (≤ 40) until cancelled or `runForMs` has passed: quotes
     * go to the quote store and the live bars, `ohlc.event` bars to their series. Heartbeats its
     * progress every 2 s. A feed silent for `silentFailAfterMs`, a stream that gave up or a failing
     * store fails the attempt; the supervisor restarts it with backoff.
     */
    async streamEpicBatch(input: StreamBatchInput): Promise<StreamBatchResult> {
      const context = Context.current();
      const log = deps.log.child({ accountId: input.accountId, streamId: input.streamId, batchId: input.batchId });
      const tuning = input.tuning ?? {};
      const startedAtMs = Date.now();
      const sink = new QuoteSink({ db: deps.db, log, ...(input.resolutions ? { resolutions: input.resolutions } : {}), ...(tuning.writeEveryMs !== undefined ? { writeEveryMs: tuning.writeEveryMs } : {}) });
      await sink.resume(input.epics);
      const stream = await openMarketStream(deps.capitalFor(input.accountId), {
        log,
        ...(tuning.pingIntervalMs !== undefined ? { pingIntervalMs: tuning.pingIntervalMs } : {}),
        ...(tuning.staleAfterMs !== undefined ? { staleAfterMs: tuning.staleAfterMs } : {}),
        ...(tuning.reconnect ? { reconnect: tuning.reconnect } : {}),
      });
      let fatal: Error | undefined;
      stream.on('error', (error) => {
        if (error instanceof StreamingGaveUpError || error instanceof StreamingSubscriptionRejectedError) fatal ??= error;
        log.warn({ err: error }, 'streaming problem');
      });
      stream.on('quote', (quote) => sink.accept(quote));
      stream.on('ohlc', (bar) => sink.acceptOhlc(bar));
      const progress = (): StreamProgress => {
        const connections = stream.state().connections;
        return { batchId: input.batchId, atMs: Date.now(), connections: connections.length, connected: connections.filter((c) => c.connected).length, reconnects: connections.reduce((sum, c) => sum + c.reconnects, 0), sessionRenewals: stream.state().sessionRenewals, sink: sink.stats() };
      };
      const silentFailAfterMs = tuning.silentFailAfterMs ?? SILENT_FAIL_AFTER_MS_DEFAULT;
      try {
        stream.subscribeQuotes(input.epics);
        if (input.ohlcResolutions && input.ohlcResolutions.length > 0) stream.subscribeOhlc(input.epics, input.ohlcResolutions);
        log.info({ epics: input.epics.length }, 'streaming batch started');
        for (;;) {
          await Promise.race([new Promise((resolve) => setTimeout(resolve, HEARTBEAT_EVERY_MS)), context.cancelled]);
          context.heartbeat(progress());
          sink.tick();
          if (sink.error) throw ApplicationFailure.retryable(`storing market data failed: ${sink.error.message}`, 'MarketStoreFailed');
          if (fatal) throw ApplicationFailure.retryable(`the stream stopped: ${fatal.message}`, 'StreamFailed');
          const lastQuoteAtMs = sink.stats().lastQuoteAtMs ?? startedAtMs;
          if (Date.now() - lastQuoteAtMs > silentFailAfterMs) throw ApplicationFailure.retryable(`no quote for ${Math.round((Date.now() - lastQuoteAtMs) / 1000)} s on ${input.epics.length} epics (silent feed)`, 'SilentFeed');
          if (Date.now() - startedAtMs >= input.runForMs) break;
        }
      } finally {
        await stream.close();
        await sink.close();
        log.info({ ...sink.stats(), latency: undefined, recentLatency: undefined, writeMs: undefined }, 'streaming batch closed');
      }
      const ended = progress();
      return { batchId: input.batchId, epics: input.epics.length, ranForMs: Date.now() - startedAtMs, sessionRenewals: ended.sessionRenewals, reconnects: ended.reconnects, quotesStored: ended.sink.quotesStored, quotesRejected: ended.sink.quotesRejected, lateQuotes: ended.sink.lateQuotes, barsClosed: ended.sink.barsClosed, ohlcBarsStored: ended.sink.ohlcBarsStored };
    },

    /** Keeps the account's session alive (`GET /ping`), or logs in again when asked, and drops quote days past the retention. */
    async marketStreamChores(input: MarketChoresInput): Promise<MarketChoresResult> {
      const capital = deps.capitalFor(input.accountId);
      if (input.renewSession) await capital.session.forceRenew('renewing ahead of the session lifetime');
      else await capital.ping();
      const quoteDaysDropped = await pruneQuoteDays(deps.db, deps.quoteRetentionDays, Date.now());
      return { pinged: !input.renewSession, renewed: input.renewSession, quoteDaysDropped };
    },
  };
}

export type MarketStreamActivities = ReturnType<typeof createMarketStreamActivities>;
