import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Logger } from '../../log';
import { DEFAULT_RECONNECT_POLICY, validateReconnectPolicy, type ReconnectPolicy } from './backoff';
import {
  StreamConnection,
  type ConnectionChange,
  type ConnectionOwner,
  type ConnectionSettings,
  type ConnectionState,
  type SubscriptionAck,
  type WebSocketConstructor,
} from './connection';
import { MAX_EPICS_PER_MESSAGE, OHLC_RESOLUTIONS, OHLC_TYPES, type OhlcBar, type OhlcResolution, type OhlcType, type Quote, type StreamingCredentials } from './protocol';

export interface StreamingClientOptions {
  /** `wss://api-streaming-capital.backend-capital.com/connect`, or the simulator's `ws://…/connect`. */
  url: string;
  /** Called for every message sent, so rotated tokens are picked up at once. */
  credentials: () => StreamingCredentials;
  /** Logs in again; called on `error.invalid.session.token` (and the other session codes) before reconnecting. */
  renewSession: () => Promise<void>;
  log: Logger;
  /** Distinct epics (quotes and bars together) per connection; default 40, the documented instrument cap. */
  maxEpicsPerConnection?: number;
  /** Upper bound on sockets, so a runaway subscription list fails loudly; default 25 (1,000 epics at 40). */
  maxConnections?: number;
  /** Keep-alive ping; default 60 s. The server ends a session after 10 minutes without one. */
  pingIntervalMs?: number;
  /** A connection with quote subscriptions that receives no quote for this long is reconnected; default 30 s. */
  staleAfterMs?: number;
  /** WebSocket opening handshake timeout; default 10 s. */
  connectTimeoutMs?: number;
  /** A `renewSession()` that has not settled after this long counts as failed; default 30 s. */
  renewTimeoutMs?: number;
  /** Defaults: 500 ms doubling to 30 s, retrying forever (at most one attempt per `maxDelayMs`). */
  reconnect?: Partial<ReconnectPolicy>;
  /** For tests: a `ws`-compatible constructor. */
  WebSocket?: WebSocketConstructor;
  /** For tests: the jitter source. */
  random?: () => number;
}

export interface StreamingClientEvents {
  quote: [Quote];
  ohlc: [OhlcBar];
  connection: [ConnectionChange];
  subscribed: [SubscriptionAck];
  error: [Error];
}

export interface StreamingClientState {
  closed: boolean;
  sessionRenewals: number;
  connections: ConnectionState[];
}

/** A session's WebSocket lasts 10 minutes without a ping; stay well inside that. */
const MAX_PING_INTERVAL_MS = 9 * 60_000;

/**
 * Keeps Capital.com market data flowing: spreads epics over as many connections as the per-connection
 * cap requires, and lets each connection keep itself alive (see `StreamConnection`).
 *
 * Emits `quote`, `ohlc`, `subscribed` (acks), `connection` (status changes) and `error`. Without an
 * `error` listener, errors are logged instead of thrown: nothing here may crash the process.
 */
export class StreamingClient extends EventEmitter<StreamingClientEvents> {
  private readonly settings: ConnectionSettings;
  private readonly log: Logger;
  private readonly maxEpicsPerConnection: number;
  private readonly maxConnections: number;
  private readonly connections = new Map<number, StreamConnection>();
  private readonly connectionOf = new Map<string, StreamConnection>();
  private readonly owner: ConnectionOwner;
  private nextConnectionId = 1;
  private lastCorrelationId = 0;
  private generation = 0;
  private sessionRenewals = 0;
  private renewal: Promise<void> | undefined;
  private renewalTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: StreamingClientOptions) {
    super();
    const url = new URL(options.url);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`streaming url must be ws:// or wss://, got ${url.protocol}`);
    this.maxEpicsPerConnection = positiveInteger('maxEpicsPerConnection', options.maxEpicsPerConnection ?? MAX_EPICS_PER_MESSAGE);
    this.maxConnections = positiveInteger('maxConnections', options.maxConnections ?? 25);
    const pingIntervalMs = positiveInteger('pingIntervalMs', options.pingIntervalMs ?? 60_000);
    if (pingIntervalMs > MAX_PING_INTERVAL_MS) throw new RangeError(`pingIntervalMs must stay well inside the 10-minute session (≤ ${MAX_PING_INTERVAL_MS}), got ${pingIntervalMs}`);
    this.settings = {
      url: options.url,
      pingIntervalMs,
      staleAfterMs: positiveInteger('staleAfterMs', options.staleAfterMs ?? 30_000),
      connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 10_000),
      renewTimeoutMs: positiveInteger('renewTimeoutMs', options.renewTimeoutMs ?? 30_000),
      reconnect: validateReconnectPolicy({ ...DEFAULT_RECONNECT_POLICY, ...options.reconnect }),
      random: options.random ?? Math.random,
      WebSocket: options.WebSocket ?? WebSocket,
    };
    this.log = options.log.child({ component: 'capital-streaming' });
    this.owner = this.connectionOwner();
  }

  subscribeQuotes(epics: readonly string[]): void {
    for (const [connection, placed] of this.place(epicList(epics))) connection.addQuotes(placed);
    this.startNewConnections();
  }

  unsubscribeQuotes(epics: readonly string[]): void {
    for (const [connection, held] of this.holders(epicList(epics))) connection.removeQuotes(held);
    this.releaseUnused();
  }

  subscribeOhlc(epics: readonly string[], resolutions: readonly OhlcResolution[] = ['MINUTE'], type: OhlcType = 'classic'): void {
    const wantedResolutions = knownValues('resolution', resolutions, OHLC_RESOLUTIONS);
    if (wantedResolutions.length === 0) throw new TypeError('subscribeOhlc needs at least one resolution');
    knownValues('type', [type], OHLC_TYPES);
    for (const [connection, placed] of this.place(epicList(epics))) connection.addOhlc(placed, wantedResolutions, type);
    this.startNewConnections();
  }

  /** Omitted `resolutions` or `types` mean all of them (reference §8). */
  unsubscribeOhlc(epics: readonly string[], resolutions?: readonly OhlcResolution[], types?: readonly OhlcType[]): void {
    const onlyResolutions = resolutions ? knownValues('resolution', resolutions, OHLC_RESOLUTIONS) : undefined;
    const onlyTypes = types ? knownValues('type', types, OHLC_TYPES) : undefined;
    for (const [connection, held] of this.holders(epicList(epics))) connection.removeOhlc(held, onlyResolutions, onlyTypes);
    this.releaseUnused();
  }

  /** Closes every socket and clears every timer. Safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    // A renewal still in flight is left to settle on its own; only its timeout is ours to cancel.
    clearTimeout(this.renewalTimer);
    const stopping = [...this.connections.values()].map((connection) => connection.stop('client closed'));
    this.connections.clear();
    this.connectionOf.clear();
    await Promise.all(stopping);
  }

  state(): StreamingClientState {
    return { closed: this.closed, sessionRenewals: this.sessionRenewals, connections: [...this.connections.values()].map((connection) => connection.state()) };
  }

  /** Finds each epic's connection, placing new epics where there is room and opening connections as needed. */
  private place(epics: string[]): Map<StreamConnection, string[]> {
    if (this.closed) throw new Error('the streaming client is closed');
    const newcomers = epics.filter((epic) => !this.connectionOf.has(epic));
    let room = 0;
    for (const connection of this.connections.values()) room += this.maxEpicsPerConnection - connection.placedEpics.size;
    const connectionsNeeded = Math.ceil(Math.max(newcomers.length - room, 0) / this.maxEpicsPerConnection);
    if (this.connections.size + connectionsNeeded > this.maxConnections) {
      throw new RangeError(`subscribing ${newcomers.length} more epics needs ${this.connections.size + connectionsNeeded} connections; maxConnections is ${this.maxConnections}`);
    }
    for (const epic of newcomers) {
      let home = [...this.connections.values()].find((connection) => connection.placedEpics.size < this.maxEpicsPerConnection);
      if (!home) {
        home = new StreamConnection(this.nextConnectionId++, this.owner);
        this.connections.set(home.id, home);
      }
      home.placedEpics.add(epic);
      this.connectionOf.set(epic, home);
    }
    return this.holders(epics);
  }

  private holders(epics: string[]): Map<StreamConnection, string[]> {
    const byConnection = new Map<StreamConnection, string[]>();
    for (const epic of epics) {
      const connection = this.connectionOf.get(epic);
      if (!connection) continue;
      const list = byConnection.get(connection) ?? [];
      list.push(epic);
      byConnection.set(connection, list);
    }
    return byConnection;
  }

  /** New connections start once they hold their subscriptions, so their first open sends them all; failed ones try again. */
  private startNewConnections(): void {
    for (const connection of this.connections.values()) {
      connection.start();
      connection.revive();
    }
  }

  /** Frees the places of epics nobody subscribes to any more, and closes connections left empty. */
  private releaseUnused(): void {
    for (const connection of [...this.connections.values()]) {
      for (const epic of [...connection.placedEpics]) {
        if (connection.carries(epic)) continue;
        connection.placedEpics.delete(epic);
        this.connectionOf.delete(epic);
      }
      if (connection.placedEpics.size === 0) {
        this.connections.delete(connection.id);
        void connection.stop('no subscriptions left');
      }
    }
  }

  private report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.log.warn({ err: error }, 'streaming problem (no error listener)');
  }

  /** Shares one renewal between connections, and skips it when one already succeeded since `seenGeneration`. */
  private renewOnce(seenGeneration: number): Promise<void> {
    if (this.generation > seenGeneration) return Promise.resolve();
    this.renewal ??= this.renewWithTimeout().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }

  private async renewWithTimeout(): Promise<void> {
    const timeout = new Promise<never>((_, reject) => {
      this.renewalTimer = setTimeout(() => reject(new Error(`renewSession did not settle within ${this.settings.renewTimeoutMs} ms`)), this.settings.renewTimeoutMs);
    });
    try {
      await Promise.race([this.options.renewSession(), timeout]);
      this.generation += 1;
      this.sessionRenewals += 1;
      this.log.info({ sessionRenewals: this.sessionRenewals }, 'streaming session renewed');
    } finally {
      clearTimeout(this.renewalTimer);
      this.renewalTimer = undefined;
    }
  }

  private connectionOwner(): ConnectionOwner {
    return {
      settings: this.settings,
      log: this.log,
      credentials: () => this.options.credentials(),
      nextCorrelationId: () => String(++this.lastCorrelationId),
      sessionGeneration: () => this.generation,
      renewSession: (seenGeneration) => this.renewOnce(seenGeneration),
      quote: (quote) => this.emit('quote', quote),
      bar: (bar) => this.emit('ohlc', bar),
      acknowledged: (ack) => this.emit('subscribed', ack),
      statusChanged: (change) => this.emit('connection', change),
      problem: (error) => this.report(error),
      subscriptionsForgotten: () => this.releaseUnused(),
    };
  }
}

function epicList(epics: readonly string[]): string[] {
  if (!Array.isArray(epics)) throw new TypeError('epics must be an array of strings');
  for (const epic of epics) if (typeof epic !== 'string' || epic.trim() === '') throw new TypeError(`not an epic: ${JSON.stringify(epic)}`);
  return [...new Set(epics)];
}

function knownValues<T extends string>(what: string, values: readonly string[], known: readonly T[]): T[] {
  for (const value of values) if (!known.includes(value as T)) throw new TypeError(`unknown OHLC ${what} ${JSON.stringify(value)}; expected one of ${known.join(', ')}`);
  return [...new Set(values)] as T[];
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
