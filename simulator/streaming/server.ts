import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../../lib/log';
import { BarPump } from './bar-pump';
import { errorFrame, StreamingErrorCode } from './frames';
import type { PriceSource } from './prices';
import { QuotePump } from './quote-pump';
import { answerClientMessage, type RequestRules } from './requests';
import { Subscriber } from './subscriber';

export interface StreamingServerOptions {
  /** The REST simulator's session store: is this token pair a live session? */
  authenticate(cst: string, securityToken: string): 'ok' | 'invalid';
  prices: PriceSource;
  knownEpic(epic: string): boolean;
  /** Total across all subscriptions and connections; default 1,000. */
  quotesPerSecond?: number;
  /** How often each OHLC subscription gets its bar in progress; default 1,000 ms. */
  ohlcIntervalMs?: number;
  /** Epics allowed in one subscribe message; default 40, the documented cap. */
  maxEpicsPerSubscription?: number;
  /** Quote plus OHLC subscriptions one connection may hold; default 1,000. */
  maxSubscriptionsPerConnection?: number;
  /** Further upgrade requests get 503; default 200. */
  maxConnections?: number;
  /** Unsent bytes per connection beyond which data frames are dropped (and counted); default 1 MiB. */
  maxBufferedBytesPerConnection?: number;
  /** A connection that sends nothing (not even a ping) for this long is closed, as the real one is; default 10 min. */
  idleTimeoutMs?: number;
  /** Timestamps in quotes and bars; default `Date.now`. Pacing always uses the real monotonic clock. */
  clock?: () => number;
  /** Period of the quote tick; default 10 ms. */
  tickIntervalMs?: number;
  /** Fault: close every connection this often. */
  dropConnectionsEveryMs?: number;
  /** Fault: keep connections open and answer requests, but send no quotes or bars. */
  silent?: boolean;
  /** Where the WebSocket lives on the http server; default `/connect`. */
  path?: string;
  log?: Logger;
}

export interface StreamingServerStats {
  connections: number;
  quoteSubscriptions: number;
  ohlcSubscriptions: number;
  quotesSent: number;
  quotesDropped: number;
  barsSent: number;
  barsDropped: number;
  messagesReceived: number;
  malformedMessages: number;
  rejectedMessages: number;
  connectionsAccepted: number;
  connectionsDropped: number;
}

export interface StreamingServer {
  /** Cuts every connection at once (clients see an abnormal close); returns how many. */
  dropAll(): number;
  setSilent(silent: boolean): void;
  setQuotesPerSecond(quotesPerSecond: number): void;
  stats(): StreamingServerStats;
  /** Closes every connection, stops every timer and detaches from the http server (which stays up). */
  close(): Promise<void>;
}

export interface StandaloneStreamingServer extends StreamingServer {
  /** `ws://127.0.0.1:<port>/connect` */
  url: string;
  port: number;
}

const MAX_INCOMING_MESSAGE_BYTES = 64 * 1024;
/** Acks and errors are never dropped, but a client that stops reading while still sending is cut. */
const CONTROL_BACKLOG_FACTOR = 4;
const IDLE_CHECK_MAX_MS = 1_000;

/** Mounts the simulated streaming endpoint on an existing http server (the REST simulator's port). */
export function attachStreamingServer(httpServer: Server, options: StreamingServerOptions): StreamingServer {
  const path = options.path ?? '/connect';
  const clock = options.clock ?? Date.now;
  const maxConnections = positiveInteger('maxConnections', options.maxConnections ?? 200);
  const maxBufferedBytes = positiveInteger('maxBufferedBytesPerConnection', options.maxBufferedBytesPerConnection ?? 1024 * 1024);
  const idleTimeoutMs = positiveInteger('idleTimeoutMs', options.idleTimeoutMs ?? 10 * 60_000);
  const rules: RequestRules = {
    authenticate: options.authenticate,
    knownEpic: options.knownEpic,
    maxEpicsPerSubscription: positiveInteger('maxEpicsPerSubscription', options.maxEpicsPerSubscription ?? 40),
    maxSubscriptionsPerConnection: positiveInteger('maxSubscriptionsPerConnection', options.maxSubscriptionsPerConnection ?? 1_000),
  };
  const log = options.log?.child({ component: 'streaming-simulator' });

  const subscribers = new Set<Subscriber>();
  const quotes = new QuotePump(subscribers, options.prices, clock, maxBufferedBytes, options.quotesPerSecond ?? 1_000);
  const bars = new BarPump(subscribers, options.prices, clock, maxBufferedBytes);
  const counters = { messagesReceived: 0, malformedMessages: 0, rejectedMessages: 0, connectionsAccepted: 0, connectionsDropped: 0 };
  let silent = options.silent ?? false;
  let nextSubscriberId = 1;
  let closed = false;

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INCOMING_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false });

  const guarded = (what: string, work: () => void): void => {
    try {
      work();
    } catch (error) {
      log?.error({ err: error }, `streaming simulator: ${what} failed`);
    }
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (pathOf(request) !== path) {
      // Leave other paths to other upgrade handlers; answer only if there are none.
      if (httpServer.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not Found');
      return;
    }
    if (closed || subscribers.size >= maxConnections) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => guarded('accepting a connection', () => accept(ws)));
  };

  const accept = (socket: WebSocket): void => {
    const subscriber = new Subscriber(nextSubscriberId++, socket, Date.now());
    subscribers.add(subscriber);
    counters.connectionsAccepted += 1;
    socket.on('message', (data, isBinary) => guarded('answering a message', () => answer(subscriber, data, isBinary)));
    socket.on('error', (error) => log?.debug({ err: error, connection: subscriber.id }, 'streaming simulator socket error'));
    socket.on('close', () => {
      subscribers.delete(subscriber);
      quotes.subscriptionsChanged();
    });
  };

  const answer = (subscriber: Subscriber, data: RawData, isBinary: boolean): void => {
    subscriber.lastMessageAtMs = Date.now();
    counters.messagesReceived += 1;
    const outcome = isBinary
      ? { reply: errorFrame(undefined, undefined, StreamingErrorCode.malformedMessage), kind: 'malformed' as const, subscriptionsChanged: false }
      : answerClientMessage(subscriber, rawText(data), rules);
    if (outcome.kind === 'malformed') counters.malformedMessages += 1;
    if (outcome.kind === 'rejected') counters.rejectedMessages += 1;
    if (outcome.subscriptionsChanged) quotes.subscriptionsChanged();
    sendControl(subscriber, outcome.reply);
  };

  const sendControl = (subscriber: Subscriber, frame: string): void => {
    const { socket } = subscriber;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > maxBufferedBytes * CONTROL_BACKLOG_FACTOR) {
      log?.warn({ connection: subscriber.id }, 'streaming simulator: client stopped reading; connection cut');
      socket.terminate();
      return;
    }
    socket.send(frame);
  };

  const dropAll = (): number => {
    let dropped = 0;
    for (const subscriber of subscribers) {
      subscriber.socket.terminate();
      dropped += 1;
    }
    counters.connectionsDropped += dropped;
    return dropped;
  };

  const closeIdle = (): void => {
    const nowMs = Date.now();
    for (const subscriber of subscribers) {
      if (nowMs - subscriber.lastMessageAtMs <= idleTimeoutMs) continue;
      log?.info({ connection: subscriber.id }, 'streaming simulator: session idle, connection closed');
      subscriber.socket.close(1000, 'no message within the session timeout');
    }
  };

  const timers: NodeJS.Timeout[] = [
    setInterval(() => guarded('sending quotes', () => quotes.tick(silent)), positiveInteger('tickIntervalMs', options.tickIntervalMs ?? 10)),
    setInterval(() => guarded('sending bars', () => bars.tick(silent)), positiveInteger('ohlcIntervalMs', options.ohlcIntervalMs ?? 1_000)),
    setInterval(() => guarded('closing idle sessions', closeIdle), Math.min(idleTimeoutMs, IDLE_CHECK_MAX_MS)),
  ];
  if (options.dropConnectionsEveryMs !== undefined) {
    timers.push(setInterval(() => guarded('dropping connections', dropAll), positiveInteger('dropConnectionsEveryMs', options.dropConnectionsEveryMs)));
  }
  // The http server and the sockets keep the process alive; the simulator's own timers never should.
  for (const timer of timers) timer.unref();
  httpServer.on('upgrade', onUpgrade);

  return {
    dropAll,
    setSilent: (value) => {
      silent = value;
    },
    setQuotesPerSecond: (value) => quotes.setRate(value),
    stats: () => {
      let ohlcSubscriptions = 0;
      for (const subscriber of subscribers) ohlcSubscriptions += subscriber.bars.size;
      return {
        connections: subscribers.size,
        quoteSubscriptions: quotes.quoteSubscriptions(),
        ohlcSubscriptions,
        quotesSent: quotes.quotesSent,
        quotesDropped: quotes.quotesDropped,
        barsSent: bars.barsSent,
        barsDropped: bars.barsDropped,
        ...counters,
      };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearInterval(timer);
      httpServer.off('upgrade', onUpgrade);
      for (const subscriber of subscribers) subscriber.socket.terminate();
      subscribers.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A streaming simulator on its own port (127.0.0.1, port 0 = any free one), for tests. */
export async function startStreamingServer(options: StreamingServerOptions & { host?: string; port?: number }): Promise<StandaloneStreamingServer> {
  const httpServer = createServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errorCode: 'error.not-found' }));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const streaming = attachStreamingServer(httpServer, options);
  const { port } = httpServer.address() as AddressInfo;
  return {
    ...streaming,
    port,
    url: `ws://${host}:${port}${options.path ?? '/connect'}`,
    close: async () => {
      await streaming.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`streaming simulator: ${name} must be a positive integer, got ${value}`);
  return value;
}
