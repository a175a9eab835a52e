import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { OhlcBar, Quote } from '../capital/streaming';
import type { Logger } from '../log';
import { LiveBars } from '../market/live-bars';
import { checkQuote, OhlcError, type CheckedQuote } from '../market/ohlc';
import { RESOLUTIONS, type Resolution } from '../market/resolutions';
import { LatencyHistogram, RollingLatency, type LatencySummary } from '../market/latency';
import { dropSupersededLiveBars, readLiveBars, storeStreamedBars, writeLiveBars, type LiveEpic } from './market-bars';
import { storeQuotes } from './market-quotes';
import { StreamOhlcSeries, storeStreamOhlc } from './market-stream-ohlc';

/** Quotes waiting for the quote store, at most: a few seconds at the target rate. */
export const QUOTES_PENDING_MAX = 100_000;

export interface QuoteSinkOptions {
  db: Db;
  log: Logger;
  resolutions?: readonly Resolution[];
  /** Pause between two writes while quotes keep coming; one write is in flight at a time. Default 25 ms. */
  writeEveryMs?: number;
  /** How long after its bucket ends a bar still takes quotes. */
  closeGraceMs?: number;
  now?: () => number;
}

export interface QuoteSinkStats {
  quotesReceived: number;
  quotesStored: number;
  quotesRejected: number;
  /** Quotes left out of the quote store because writes fell too far behind (their bars have them). */
  quotesShed: number;
  lateQuotes: number;
  repeatedQuotes: number;
  barsClosed: number;
  liveWrites: number;
  writes: number;
  ohlcFrames: number;
  ohlcBarsStored: number;
  lastQuoteAtMs?: number;
  /** Receipt to stored bar, over every quote so far. */
  latency: LatencySummary;
  /** The same over the last complete 15-second window: the steady state. */
  recentLatency: LatencySummary;
  /** How long each write took (quotes, closed bars and live bars together). */
  writeMs: LatencySummary;
}

/**
 * Where a stream's quotes go: each is checked, kept for the quote store and applied to the live
 * bars at once; a single writer then stores, in one pass, the new quotes, the bars that closed and
 * a new version of its epics' forming bars, then starts again after `writeEveryMs` while there is
 * more. Writes never overlap, so under load they grow instead of queueing.
 * `close()` writes what is left.
 */
export class QuoteSink {
  private readonly db: Db;
  private readonly log: Logger;
  private readonly live: LiveBars;
  private readonly ohlc = new StreamOhlcSeries();
  private readonly now: () => number;
  private readonly writeEveryMs: number;
  private readonly writerId = randomUUID().slice(0, 8);
  private readonly latency = new RollingLatency(15_000);
  private readonly writeDurations = new LatencyHistogram();
  private pending: Array<CheckedQuote & { receivedAtMs: number }> = [];
  private liveId: string | undefined;
  private sequence = 0;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failure: Error | undefined;
  private readonly counts = { quotesReceived: 0, quotesStored: 0, quotesRejected: 0, quotesShed: 0, barsClosed: 0, liveWrites: 0, writes: 0, ohlcBarsStored: 0 };
  private lastQuoteAtMs: number | undefined;

  constructor(options: QuoteSinkOptions) {
    this.db = options.db;
    this.log = options.log;
    this.live = new LiveBars(options.resolutions ?? RESOLUTIONS, options.closeGraceMs);
    this.now = options.now ?? Date.now;
    this.writeEveryMs = options.writeEveryMs ?? 25;
  }

  /**
   * Takes over the forming bars stored for these epics (by an earlier run), closes those that
   * ended meanwhile, writes its first version and drops the versions it superseded.
   */
  async resume(epics: readonly string[]): Promise<void> {
    const stored = await readLiveBars(this.db, epics);
    const lastQuotes = [...stored.lastQuotes.values()].map((q) => ({ epic: q.epic, atMs: q.atMs, bid: q.bid, ask: q.ask }));
    this.live.resume([...stored.bars.values()].flat(), this.now(), lastQuotes);
    for (const epic of this.live.knownEpics()) this.live.touch(epic);
    await this.writeOnce();
    await dropSupersededLiveBars(this.db);
  }

  /** Call now and then (e.g. each heartbeat): bars of a market that stopped quoting still close. */
  tick(): void {
    if (this.live.size > 0) this.schedule();
  }

  accept(quote: Quote, receivedAtMs = this.now()): void {
    if (this.closed) return;
    let checked: CheckedQuote;
    try {
      checked = checkQuote(quote);
    } catch (error) {
      this.counts.quotesRejected++;
      if (this.counts.quotesRejected <= 10 || this.counts.quotesRejected % 1000 === 0) this.log.warn({ err: error instanceof OhlcError ? error.message : error, rejected: this.counts.quotesRejected }, 'quote rejected');
      return;
    }
    this.counts.quotesReceived++;
    this.lastQuoteAtMs = receivedAtMs;
    // A repeat (a replay after a reconnect) is neither a new bar price nor a new quote to keep.
    if (this.live.add(checked) === 'repeat') return;
    if (this.pending.length >= QUOTES_PENDING_MAX) this.shed();
    this.pending.push({ ...checked, receivedAtMs });
    this.schedule();
  }

  acceptOhlc(bar: OhlcBar): void {
    if (this.closed) return;
    this.ohlc.add(bar);
    this.schedule();
  }

  /** Memory stays bounded when the store cannot keep up: the oldest tenth of the waiting quotes go (their bars keep them). */
  private shed(): void {
    const shed = this.pending.splice(0, Math.ceil(QUOTES_PENDING_MAX / 10));
    this.counts.quotesShed += shed.length;
    this.log.warn({ quotesShed: this.counts.quotesShed, waiting: this.pending.length }, 'the store is falling behind the stream: oldest waiting quotes left out of the quote store');
  }

  /** The first write failure, if any: the owner should fail and restart the stream. */
  get error(): Error | undefined {
    return this.failure;
  }

  stats(): QuoteSinkStats {
    return { ...this.counts, lateQuotes: this.live.lateQuotes, repeatedQuotes: this.live.repeatedQuotes, ohlcFrames: this.ohlc.framesSeen, ...(this.lastQuoteAtMs !== undefined ? { lastQuoteAtMs: this.lastQuoteAtMs } : {}), latency: this.latency.summary(), recentLatency: this.latency.recent(), writeMs: this.writeDurations.summary() };
  }

  /** Stops taking quotes and writes everything still held (bars still forming stay live for the next run). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.writeOnce();
  }

  private schedule(): void {
    if (this.timer || this.writing || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writeOnce()
        .catch((error: unknown) => {
          this.failure ??= error as Error;
          this.log.error({ err: error }, 'market data write failed');
        })
        .finally(() => {
          this.writing = undefined;
          if (this.pending.length > 0 || this.live.hasChanges) this.schedule();
        });
    }, this.writeEveryMs);
  }

  private async writeOnce(): Promise<void> {
    const nowMs = this.now();
    const quotes = this.pending;
    this.pending = [];
    const closed = this.live.takeClosed(nowMs);
    const changed = this.live.takeChanged();
    const ohlcFinal = this.ohlc.takeFinal();
    if (quotes.length === 0 && closed.length === 0 && changed.length === 0 && ohlcFinal.length === 0) return;
    this.counts.writes++;
    const startedMs = this.now();
    if (quotes.length > 0) this.counts.quotesStored += await storeQuotes(this.db, `${this.writerId}:${this.counts.writes}`, quotes);
    // Closed bars first: a reader never misses a bar between its live and its closed document.
    if (closed.length > 0) {
      await storeStreamedBars(this.db, closed, nowMs);
      this.counts.barsClosed += closed.length;
    }
    if (changed.length > 0) {
      const live = new Map<string, LiveEpic>();
      for (const epic of this.live.knownEpics()) {
        const lastQuote = this.live.lastQuoteOf(epic);
        live.set(epic, { bars: this.live.formingBarsOf(epic), ...(lastQuote ? { lastQuote: { epic, atMs: lastQuote.atMs, bid: lastQuote.bid, ask: lastQuote.ask } } : {}) });
      }
      this.liveId = await writeLiveBars(this.db, live, { writtenAtMs: nowMs, sequence: ++this.sequence, writerId: this.writerId }, this.liveId);
      this.counts.liveWrites++;
    }
    if (ohlcFinal.length > 0) this.counts.ohlcBarsStored += await storeStreamOhlc(this.db, ohlcFinal, nowMs);
    const storedAtMs = this.now();
    this.writeDurations.record(storedAtMs - startedMs);
    for (const quote of quotes) this.latency.record(storedAtMs - quote.receivedAtMs, storedAtMs);
  }
}
