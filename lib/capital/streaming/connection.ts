import type WebSocket from 'ws';
import type { Logger } from '../../log';
import { registerSecret } from '../../redact';
import { parseErrorCode, SESSION_ERROR_CODES } from '../errors';
import { reconnectDelayMs, type ReconnectPolicy } from './backoff';
import { StreamingGaveUpError, StreamingRequestError, StreamingSubscriptionRejectedError } from './errors';
import {
  Destination,
  inChunks,
  MAX_EPICS_PER_MESSAGE,
  ohlcSubscriptionKey,
  readServerFrame,
  type ClientMessage,
  type OhlcBar,
  type Quote,
  type StreamingCredentials,
} from './protocol';

export type WebSocketConstructor = new (url: string, options?: WebSocket.ClientOptions) => WebSocket;

/**
 * - `connecting`: socket opening; `open`: subscribed (or subscribing) and receiving;
 * - `waiting`: backing off before the next attempt; `renewing`: waiting for a new session;
 * - `failed`: gave up after `maxAttempts`; `closed`: stopped by `close()` or by losing its last epic.
 */
export type ConnectionStatus = 'connecting' | 'open' | 'waiting' | 'renewing' | 'failed' | 'closed';

export interface ConnectionChange {
  connectionId: number;
  status: ConnectionStatus;
  previous: ConnectionStatus;
  reason: string | undefined;
}

export interface SubscriptionAck {
  connectionId: number;
  destination: string;
  correlationId: string | undefined;
  subscriptions: Record<string, string>;
}

export interface OhlcSubscription {
  epic: string;
  resolution: string;
  type: string;
}

export interface ConnectionState {
  id: number;
  status: ConnectionStatus;
  connected: boolean;
  /** Distinct epics this connection carries (quotes and bars together), at most `maxEpicsPerConnection`. */
  epics: string[];
  quoteEpics: string[];
  ohlc: OhlcSubscription[];
  /** Reconnect attempts started since the connection was created. */
  reconnects: number;
  consecutiveFailures: number;
  lastProblem: string | undefined;
  lastQuoteAtMs: number | undefined;
  quotesReceived: number;
  barsReceived: number;
  malformedFrames: number;
}

export interface ConnectionSettings {
  url: string;
  pingIntervalMs: number;
  staleAfterMs: number;
  connectTimeoutMs: number;
  renewTimeoutMs: number;
  reconnect: ReconnectPolicy;
  random: () => number;
  WebSocket: WebSocketConstructor;
}

/** What a connection needs from the client that owns it. */
export interface ConnectionOwner {
  readonly settings: ConnectionSettings;
  readonly log: Logger;
  credentials(): StreamingCredentials;
  nextCorrelationId(): string;
  /** Bumped after each successful session renewal. */
  sessionGeneration(): number;
  /** Renews unless a renewal already happened after `seenGeneration`; concurrent callers share one renewal. */
  renewSession(seenGeneration: number): Promise<void>;
  quote(quote: Quote): void;
  bar(bar: OhlcBar): void;
  acknowledged(ack: SubscriptionAck): void;
  statusChanged(change: ConnectionChange): void;
  problem(error: Error): void;
  /** Some subscriptions were dropped without the client asking: release epics this connection no longer carries. */
  subscriptionsForgotten(connection: StreamConnection): void;
}

/** Incoming frames are small; anything near this is not a quote. */
const MAX_INCOMING_FRAME_BYTES = 1024 * 1024;
/** A closing handshake that takes longer than this is cut short. */
const CLOSE_GRACE_MS = 1_000;
/** The first few malformed frames are logged, then one in this many, so a broken feed cannot flood the log. */
const MALFORMED_LOG_FIRST = 5;
const MALFORMED_LOG_EVERY = 1_000;

/**
 * One WebSocket and everything it is subscribed to. It keeps itself alive: pings, a watchdog for a
 * silent quote feed and for unanswered pings, reconnects with backoff, session renewal on
 * `error.invalid.session.token`, and a full resubscribe every time it opens.
 */
export class StreamConnection {
  /** Epics the client placed here; quotes and bars for an epic always share its connection. */
  readonly placedEpics = new Set<string>();
  private readonly quoteEpics = new Set<string>();
  private readonly ohlcSubscriptions = new Map<string, OhlcSubscription>();
  private readonly log: Logger;

  private socket: WebSocket | undefined;
  private status: ConnectionStatus = 'connecting';
  private started = false;
  private stopped = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Why we cut the current socket ourselves; reported once it has closed. */
  private dropReason: string | undefined;

  private reconnects = 0;
  private consecutiveFailures = 0;
  private lastProblem: string | undefined;
  private openedInGeneration = 0;
  private lastFrameAtMs = 0;
  /** Start of the current "waiting for a quote" period: the last quote, open or new quote subscription. */
  private quoteWaitStartMs = 0;
  private pingSentAtMs: number | undefined;
  private lastQuoteAtMs: number | undefined;
  private quotesReceived = 0;
  private barsReceived = 0;
  private malformedFrames = 0;

  constructor(
    readonly id: number,
    private readonly owner: ConnectionOwner,
  ) {
    this.log = owner.log.child({ connectionId: id });
  }

  /** Opens the first socket; later calls do nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  /** Connects again after giving up, when someone still wants its epics. */
  revive(): void {
    if (this.status !== 'failed' || this.stopped) return;
    this.consecutiveFailures = 0;
    this.connect();
  }

  /** True while the epic still has quotes or bars here. */
  carries(epic: string): boolean {
    if (this.quoteEpics.has(epic)) return true;
    for (const subscription of this.ohlcSubscriptions.values()) if (subscription.epic === epic) return true;
    return false;
  }

  addQuotes(epics: readonly string[]): void {
    const added = epics.filter((epic) => !this.quoteEpics.has(epic));
    if (added.length === 0) return;
    if (this.quoteEpics.size === 0) this.quoteWaitStartMs = Date.now();
    for (const epic of added) this.quoteEpics.add(epic);
    if (this.status === 'open') this.sendInChunks(Destination.quoteSubscribe, added, (chunk) => ({ epics: chunk }));
  }

  removeQuotes(epics: readonly string[]): void {
    const removed = epics.filter((epic) => this.quoteEpics.delete(epic));
    if (removed.length > 0 && this.status === 'open') this.sendInChunks(Destination.quoteUnsubscribe, removed, (chunk) => ({ epics: chunk }));
  }

  addOhlc(epics: readonly string[], resolutions: readonly string[], type: string): void {
    const touched = epics.filter((epic) => {
      let added = false;
      for (const resolution of resolutions) {
        const key = ohlcSubscriptionKey(epic, resolution, type);
        if (this.ohlcSubscriptions.has(key)) continue;
        this.ohlcSubscriptions.set(key, { epic, resolution, type });
        added = true;
      }
      return added;
    });
    if (touched.length > 0 && this.status === 'open') {
      this.sendInChunks(Destination.ohlcSubscribe, touched, (chunk) => ({ epics: chunk, resolutions: [...resolutions], type }));
    }
  }

  /** Omitted `resolutions` or `types` mean all of them, as on the wire. */
  removeOhlc(epics: readonly string[], resolutions: readonly string[] | undefined, types: readonly string[] | undefined): void {
    const wanted = new Set(epics);
    const touched = new Set<string>();
    for (const [key, subscription] of this.ohlcSubscriptions) {
      if (!wanted.has(subscription.epic)) continue;
      if (resolutions && !resolutions.includes(subscription.resolution)) continue;
      if (types && !types.includes(subscription.type)) continue;
      this.ohlcSubscriptions.delete(key);
      touched.add(subscription.epic);
    }
    if (touched.size > 0 && this.status === 'open') {
      this.sendInChunks(Destination.ohlcUnsubscribe, [...touched], (chunk) => ({
        epics: chunk,
        ...(resolutions ? { resolutions: [...resolutions] } : {}),
        ...(types ? { types: [...types] } : {}),
      }));
    }
  }

  /** Closes the socket cleanly (or cuts it after a grace period) and cancels every timer. */
  stop(reason: string): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    if (!socket || socket.readyState === socket.CLOSED) {
      this.socket = undefined;
      this.setStatus('closed', reason);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const cutTimer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
      socket.once('close', () => {
        clearTimeout(cutTimer);
        resolve();
      });
      this.dropReason = reason;
      if (socket.readyState === socket.OPEN) socket.close(1000, 'client closing');
      else socket.terminate();
    });
  }

  state(): ConnectionState {
    return {
      id: this.id,
      status: this.status,
      connected: this.status === 'open',
      epics: [...this.placedEpics],
      quoteEpics: [...this.quoteEpics],
      ohlc: [...this.ohlcSubscriptions.values()].map((subscription) => ({ ...subscription })),
      reconnects: this.reconnects,
      consecutiveFailures: this.consecutiveFailures,
      lastProblem: this.lastProblem,
      lastQuoteAtMs: this.lastQuoteAtMs,
      quotesReceived: this.quotesReceived,
      barsReceived: this.barsReceived,
      malformedFrames: this.malformedFrames,
    };
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus('connecting', undefined);
    const { settings } = this.owner;
    let socket: WebSocket;
    try {
      socket = new settings.WebSocket(settings.url, { handshakeTimeout: settings.connectTimeoutMs, maxPayload: MAX_INCOMING_FRAME_BYTES, perMessageDeflate: false });
    } catch (error) {
      this.afterFailure(`could not open a socket: ${(error as Error).message}`);
      return;
    }
    this.socket = socket;
    // Each handler ignores events from a socket that is no longer the current one.
    socket.on('open', () => {
      if (this.socket === socket) this.guarded(() => this.opened());
    });
    socket.on('message', (data, isBinary) => {
      if (this.socket === socket) this.guarded(() => this.received(data, isBinary));
    });
    socket.on('error', (error) => {
      if (this.socket !== socket) return;
      this.lastProblem = error.message;
      this.log.debug({ err: error }, 'streaming socket error');
    });
    socket.on('close', (code, reason) => {
      if (this.socket === socket) this.guarded(() => this.socketClosed(code, reason.toString('utf8')));
    });
  }

  private opened(): void {
    const now = Date.now();
    this.openedInGeneration = this.owner.sessionGeneration();
    this.lastFrameAtMs = now;
    this.quoteWaitStartMs = now;
    this.pingSentAtMs = undefined;
    this.setStatus('open', undefined);
    const { pingIntervalMs, staleAfterMs } = this.owner.settings;
    this.pingTimer = setInterval(() => this.guarded(() => this.pingOrGiveUp()), pingIntervalMs);
    // A few checks per stale period keep detection within ~25 % of staleAfterMs, without a timer per quote.
    this.watchdogTimer = setInterval(() => this.guarded(() => this.watchFeed()), Math.min(Math.max(Math.floor(staleAfterMs / 4), 5), 1_000));
    this.resubscribeAll();
  }

  private resubscribeAll(): void {
    if (this.quoteEpics.size > 0) this.sendInChunks(Destination.quoteSubscribe, [...this.quoteEpics], (chunk) => ({ epics: chunk }));
    // Epics with the same type and the same set of resolutions go into one message.
    const resolutionsByEpicAndType = new Map<string, { epic: string; type: string; resolutions: string[] }>();
    for (const { epic, resolution, type } of this.ohlcSubscriptions.values()) {
      const key = `${type}\n${epic}`;
      const entry = resolutionsByEpicAndType.get(key) ?? { epic, type, resolutions: [] };
      entry.resolutions.push(resolution);
      resolutionsByEpicAndType.set(key, entry);
    }
    const epicsByRequest = new Map<string, { type: string; resolutions: string[]; epics: string[] }>();
    for (const { epic, type, resolutions } of resolutionsByEpicAndType.values()) {
      resolutions.sort();
      const key = `${type}\n${resolutions.join(',')}`;
      const request = epicsByRequest.get(key) ?? { type, resolutions, epics: [] };
      request.epics.push(epic);
      epicsByRequest.set(key, request);
    }
    for (const { type, resolutions, epics } of epicsByRequest.values()) {
      this.sendInChunks(Destination.ohlcSubscribe, epics, (chunk) => ({ epics: chunk, resolutions, type }));
    }
  }

  private received(data: WebSocket.RawData, isBinary: boolean): void {
    this.lastFrameAtMs = Date.now();
    const frame = isBinary ? { kind: 'malformed' as const, problem: 'binary frame' } : readServerFrame(rawText(data));
    switch (frame.kind) {
      case 'quote':
        this.quotesReceived += 1;
        this.lastQuoteAtMs = this.lastFrameAtMs;
        this.quoteWaitStartMs = this.lastFrameAtMs;
        this.consecutiveFailures = 0;
        this.owner.quote(frame.quote);
        return;
      case 'ohlc':
        this.barsReceived += 1;
        this.consecutiveFailures = 0;
        this.owner.bar(frame.bar);
        return;
      case 'ack': {
        this.consecutiveFailures = 0;
        this.owner.acknowledged({ connectionId: this.id, destination: frame.destination, correlationId: frame.correlationId, subscriptions: frame.subscriptions });
        const rejected = Object.fromEntries(Object.entries(frame.subscriptions).filter(([, status]) => status !== 'PROCESSED'));
        if (Object.keys(rejected).length > 0) this.forgetRejected(frame.destination, rejected);
        return;
      }
      case 'pong':
      case 'other':
        return;
      case 'error':
        this.serverError(frame.destination ?? 'unknown', frame.errorCode, frame.correlationId);
        return;
      case 'malformed':
        this.malformedFrames += 1;
        if (this.malformedFrames <= MALFORMED_LOG_FIRST || this.malformedFrames % MALFORMED_LOG_EVERY === 0) {
          this.log.warn({ problem: frame.problem, malformedFrames: this.malformedFrames, excerpt: rawText(data).slice(0, 160) }, 'ignored a malformed streaming frame');
        }
        return;
    }
  }

  /**
   * The server refused some subscriptions (an unknown epic, say). They are forgotten, so they are
   * not resent on every reconnect and cannot make the quote watchdog cut a healthy connection.
   */
  private forgetRejected(destination: string, rejected: Record<string, string>): void {
    for (const key of Object.keys(rejected)) {
      if (destination === Destination.quoteSubscribe) this.quoteEpics.delete(key);
      if (destination === Destination.ohlcSubscribe) this.ohlcSubscriptions.delete(key);
    }
    this.log.warn({ destination, rejected: Object.keys(rejected).length }, 'the server refused some subscriptions');
    this.owner.problem(new StreamingSubscriptionRejectedError(destination, rejected));
    this.owner.subscriptionsForgotten(this);
  }

  private serverError(destination: string, errorCode: string, correlationId: string | undefined): void {
    const { code } = parseErrorCode(errorCode);
    if (SESSION_ERROR_CODES.has(code)) {
      void this.renewThenReconnect(code);
      return;
    }
    this.log.warn({ destination, errorCode: code, correlationId }, 'streaming request rejected');
    this.owner.problem(new StreamingRequestError(destination, code, correlationId));
  }

  /** Several messages may fail with the same session error; the first one starts the renewal. */
  private async renewThenReconnect(code: string): Promise<void> {
    if (this.status === 'renewing' || this.stopped) return;
    this.clearTimers();
    const socket = this.socket;
    this.socket = undefined;
    socket?.terminate();
    this.setStatus('renewing', `server said ${code}`);
    this.log.warn({ errorCode: code }, 'streaming session rejected; renewing the session before reconnecting');
    let problem = `session renewed after ${code}`;
    try {
      await this.owner.renewSession(this.openedInGeneration);
    } catch (error) {
      problem = `session renewal failed: ${(error as Error).message}`;
      this.owner.problem(error instanceof Error ? error : new Error(String(error)));
    }
    // Paced by the backoff, so tokens that stay invalid cannot drive a tight login loop.
    if (!this.stopped) this.afterFailure(problem);
  }

  private socketClosed(code: number, reason: string): void {
    this.socket = undefined;
    this.clearTimers();
    const problem = this.dropReason ?? `closed by the server (code ${code}${reason ? `, ${reason}` : ''})`;
    this.dropReason = undefined;
    if (this.stopped) {
      this.setStatus('closed', problem);
      return;
    }
    this.afterFailure(problem);
  }

  private afterFailure(problem: string): void {
    this.consecutiveFailures += 1;
    this.lastProblem = problem;
    const { reconnect, random } = this.owner.settings;
    if (reconnect.maxAttempts !== undefined && this.consecutiveFailures > reconnect.maxAttempts) {
      this.setStatus('failed', problem);
      this.log.error({ attempts: this.consecutiveFailures - 1, problem }, 'streaming connection gave up');
      this.owner.problem(new StreamingGaveUpError(this.id, this.consecutiveFailures - 1, problem));
      return;
    }
    const delayMs = reconnectDelayMs(this.consecutiveFailures, reconnect, random);
    this.setStatus('waiting', `${problem}; reconnecting in ${delayMs} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnects += 1;
      this.guarded(() => this.connect());
    }, delayMs);
  }

  /** Cuts the socket ourselves; its close event then schedules the reconnect. */
  private drop(reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.clearTimers();
    this.dropReason = reason;
    this.log.warn({ reason }, 'dropping the streaming connection');
    socket.terminate();
  }

  private pingOrGiveUp(): void {
    if (this.pingSentAtMs !== undefined && this.lastFrameAtMs < this.pingSentAtMs) {
      this.drop(`no frame at all, not even a ping reply, for ${Date.now() - this.pingSentAtMs} ms`);
      return;
    }
    this.pingSentAtMs = Date.now();
    this.send(Destination.ping, undefined);
  }

  private watchFeed(): void {
    if (this.status !== 'open' || this.quoteEpics.size === 0) return;
    const silentMs = Date.now() - this.quoteWaitStartMs;
    if (silentMs > this.owner.settings.staleAfterMs) this.drop(`no quote for ${silentMs} ms on ${this.quoteEpics.size} subscribed epics`);
  }

  private sendInChunks(destination: string, epics: readonly string[], payloadFor: (chunk: string[]) => Record<string, unknown>): void {
    for (const chunk of inChunks(epics, MAX_EPICS_PER_MESSAGE)) this.send(destination, payloadFor(chunk));
  }

  private send(destination: string, payload: Record<string, unknown> | undefined): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN) return;
    let credentials: StreamingCredentials;
    try {
      // Read for every message: the session rotates tokens, and the stream must follow.
      credentials = this.owner.credentials();
    } catch (error) {
      this.owner.problem(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    registerSecret(credentials.cst);
    registerSecret(credentials.securityToken);
    const message: ClientMessage = {
      destination,
      correlationId: this.owner.nextCorrelationId(),
      cst: credentials.cst,
      securityToken: credentials.securityToken,
      ...(payload ? { payload } : {}),
    };
    socket.send(JSON.stringify(message));
    const epics = payload?.epics;
    this.log.debug(
      {
        destination,
        correlationId: message.correlationId,
        epicCount: Array.isArray(epics) ? epics.length : undefined,
        hasCst: credentials.cst !== '',
        hasSecurityToken: credentials.securityToken !== '',
      },
      'streaming message sent',
    );
  }

  private setStatus(status: ConnectionStatus, reason: string | undefined): void {
    if (this.status === status) return;
    const previous = this.status;
    this.status = status;
    this.log.debug({ status, previous, reason }, 'streaming connection status');
    this.owner.statusChanged({ connectionId: this.id, status, previous, reason });
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.pingTimer = undefined;
    this.watchdogTimer = undefined;
  }

  /** Socket and timer callbacks must never throw: a throwing listener is reported, not fatal. */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.log.error({ err: error }, 'a streaming callback threw; the connection carries on');
      try {
        this.owner.problem(error instanceof Error ? error : new Error(String(error)));
      } catch (nested) {
        this.log.error({ err: nested }, 'the error listener threw as well');
      }
    }
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
