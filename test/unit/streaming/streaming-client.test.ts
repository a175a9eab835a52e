import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test, type TestContext } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import {
  reconnectDelayMs,
  StreamingClient,
  StreamingGaveUpError,
  StreamingRequestError,
  type ClientMessage,
  type ConnectionChange,
  type OhlcBar,
  type Quote,
  type StreamingClientOptions,
} from '../../../lib/capital/streaming';
import { startStreamingServer, type StandaloneStreamingServer, type StreamingServerOptions } from '../../../simulator/streaming';
import { capturedLog, epicNames, exampleFrames, fakePrices, FakeSessions, waitFor } from './helpers';

/** Everything one scenario needs, torn down by `close()`. */
interface Rig {
  sessions: FakeSessions;
  server: StandaloneStreamingServer;
  client: StreamingClient;
  quotes: Quote[];
  bars: OhlcBar[];
  errors: Error[];
  changes: ConnectionChange[];
  sent: ClientMessage[];
  logLines: string[];
  close(): Promise<void>;
}

async function rig(serverOverrides: Partial<StreamingServerOptions> = {}, clientOverrides: Partial<StreamingClientOptions> = {}, logLevel = 'warn'): Promise<Rig> {
  const sessions = new FakeSessions();
  const server = await startStreamingServer({
    authenticate: sessions.authenticate,
    prices: fakePrices,
    knownEpic: (epic) => !epic.startsWith('UNKNOWN'),
    quotesPerSecond: 2_000,
    ohlcIntervalMs: 50,
    ...serverOverrides,
  });
  const sent: ClientMessage[] = [];
  /** The real `ws` client, recording what goes on the wire. */
  class RecordingWebSocket extends WebSocket {
    override send(data: unknown, ...rest: unknown[]): void {
      sent.push(JSON.parse(String(data)) as ClientMessage);
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  }
  const { log, lines } = capturedLog(logLevel);
  const client = new StreamingClient({
    url: server.url,
    credentials: sessions.credentials,
    renewSession: sessions.renew,
    log,
    pingIntervalMs: 1_000,
    staleAfterMs: 2_000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    WebSocket: RecordingWebSocket,
    ...clientOverrides,
  });
  const quotes: Quote[] = [];
  const bars: OhlcBar[] = [];
  const errors: Error[] = [];
  const changes: ConnectionChange[] = [];
  client.on('quote', (quote) => quotes.push(quote));
  client.on('ohlc', (bar) => bars.push(bar));
  client.on('error', (error) => errors.push(error));
  client.on('connection', (change) => changes.push(change));
  return {
    sessions,
    server,
    client,
    quotes,
    bars,
    errors,
    changes,
    sent,
    logLines: lines,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

const allOpen = (client: StreamingClient, count: number) => () => {
  const { connections } = client.state();
  return connections.length === count && connections.every((connection) => connection.connected);
};

describe('subscribing', () => {
  test('a quote subscription is acked and quotes arrive as numbers; the tokens never reach the log', async () => {
    const r = await rig({}, {}, 'debug');
    const acks: Record<string, string>[] = [];
    r.client.on('subscribed', (ack) => acks.push(ack.subscriptions));
    r.client.subscribeQuotes(['OIL_CRUDE']);
    await waitFor('a quote', () => r.quotes.length > 0);
    assert.deepEqual(acks[0], { OIL_CRUDE: 'PROCESSED' });
    const [quote] = r.quotes;
    assert.equal(quote?.epic, 'OIL_CRUDE');
    for (const field of ['bid', 'bidQty', 'ofr', 'ofrQty', 'timestamp'] as const) assert.ok(Number.isFinite(quote?.[field]), field);

    const [subscribe] = r.sent;
    assert.deepEqual(Object.keys(subscribe as object).sort(), Object.keys(exampleFrames()[0] as object).sort(), 'same envelope as the documented subscribe');
    assert.deepEqual(subscribe?.payload, { epics: ['OIL_CRUDE'] });

    const state = r.client.state();
    assert.equal(state.connections.length, 1);
    assert.deepEqual(state.connections[0]?.quoteEpics, ['OIL_CRUDE']);
    assert.ok((state.connections[0]?.lastQuoteAtMs ?? 0) > 0);
    await r.close();

    const log = r.logLines.join('\n');
    assert.match(log, /"hasCst":true/);
    assert.doesNotMatch(log, new RegExp(r.sessions.cst));
    assert.doesNotMatch(log, new RegExp(r.sessions.securityToken));
  });

  test('100 epics are spread over 3 connections of at most 40, each subscribe message carrying at most 40', async () => {
    const r = await rig();
    r.client.subscribeQuotes(epicNames(100));
    await waitFor('three open connections', allOpen(r.client, 3));
    await waitFor('100 subscriptions on the server', () => r.server.stats().quoteSubscriptions === 100);
    assert.deepEqual(
      r.client.state().connections.map((connection) => connection.quoteEpics.length),
      [40, 40, 20],
    );
    assert.equal(r.server.stats().connections, 3);
    assert.equal(r.server.stats().rejectedMessages, 0);
    const subscribes = r.sent.filter((message) => message.destination === 'marketData.subscribe');
    assert.ok(subscribes.every((message) => (message.payload?.epics as string[]).length <= 40));

    // Unsubscribing a whole connection's worth closes it; the rest stay.
    r.client.unsubscribeQuotes(epicNames(100).slice(80));
    await waitFor('two connections', () => r.server.stats().connections === 2 && r.client.state().connections.length === 2);
    assert.equal(r.server.stats().quoteSubscriptions, 80);
    await r.close();
  });

  test('OHLC: acks keyed EPIC:RESOLUTION:type, bars arrive, and unsubscribe sends plural types', async () => {
    const r = await rig();
    const acks: Record<string, string>[] = [];
    r.client.on('subscribed', (ack) => acks.push(ack.subscriptions));
    r.client.subscribeOhlc(['OIL_CRUDE', 'AAPL'], ['MINUTE_5']);
    r.client.subscribeOhlc(['AAPL'], ['MINUTE'], 'heikin-ashi');
    await waitFor('two acks', () => acks.length === 2);
    assert.deepEqual(acks[0], { 'OIL_CRUDE:MINUTE_5:classic': 'PROCESSED', 'AAPL:MINUTE_5:classic': 'PROCESSED' });
    await waitFor('heikin-ashi bars', () => r.bars.some((bar) => bar.type === 'heikin-ashi'));
    const bar = r.bars.find((candidate) => candidate.epic === 'AAPL' && candidate.resolution === 'MINUTE_5');
    assert.ok(bar && bar.h >= bar.l && bar.priceType === 'bid');

    r.client.unsubscribeOhlc(['AAPL'], undefined, ['heikin-ashi']);
    const unsubscribe = await waitForMessage(r, 'OHLCMarketData.unsubscribe');
    assert.deepEqual(unsubscribe.payload, { epics: ['AAPL'], types: ['heikin-ashi'] });
    await waitFor('two bar subscriptions left', () => r.server.stats().ohlcSubscriptions === 2);
    assert.deepEqual(r.client.state().connections[0]?.ohlc.map((subscription) => `${subscription.epic}:${subscription.resolution}:${subscription.type}`).sort(), [
      'AAPL:MINUTE_5:classic',
      'OIL_CRUDE:MINUTE_5:classic',
    ]);
    await r.close();
  });

  test('an epic the server does not know is reported and forgotten, not retried forever', async () => {
    const r = await rig({}, { staleAfterMs: 150 });
    r.client.subscribeQuotes(['UNKNOWN_EPIC', 'GOLD']);
    await waitFor('a rejection', () => r.errors.length > 0);
    assert.match(r.errors[0]?.message ?? '', /UNKNOWN_EPIC=NOT_FOUND/);
    assert.deepEqual(r.client.state().connections[0]?.quoteEpics, ['GOLD']);
    assert.deepEqual(r.client.state().connections[0]?.epics, ['GOLD']);
    await r.close();
  });

  test('bad arguments fail at the call, not later on a socket', async () => {
    const r = await rig();
    assert.throws(() => r.client.subscribeQuotes(['']), TypeError);
    assert.throws(() => r.client.subscribeOhlc(['GOLD'], ['MINUTE_3' as 'MINUTE']), /unknown OHLC resolution/);
    assert.throws(() => new StreamingClient({ url: 'http://x', credentials: r.sessions.credentials, renewSession: r.sessions.renew, log: capturedLog().log }), /ws:\/\/ or wss:\/\//);
    assert.throws(() => new StreamingClient({ url: r.server.url, credentials: r.sessions.credentials, renewSession: r.sessions.renew, log: capturedLog().log, pingIntervalMs: 600_000 }), /10-minute/);
    const capped = new StreamingClient({ url: r.server.url, credentials: r.sessions.credentials, renewSession: r.sessions.renew, log: capturedLog().log, maxConnections: 2 });
    assert.throws(() => capped.subscribeQuotes(epicNames(81)), /needs 3 connections; maxConnections is 2/);
    assert.equal(capped.state().connections.length, 0, 'nothing half-done');
    await capped.close();
    await r.close();
  });
});

describe('staying alive', () => {
  test('pings keep a quiet connection alive past the server idle timeout', async () => {
    const r = await rig({ idleTimeoutMs: 150 }, { pingIntervalMs: 40 });
    r.client.subscribeOhlc(['GOLD']);
    await waitFor('open', allOpen(r.client, 1));
    await sleep(500);
    const pings = r.sent.filter((message) => message.destination === 'ping');
    assert.ok(pings.length >= 8, `sent ${pings.length} pings`);
    assert.ok(pings.every((ping) => ping.payload === undefined && ping.cst === r.sessions.cst));
    assert.equal(r.client.state().connections[0]?.reconnects, 0);
    assert.equal(r.server.stats().connectionsAccepted, 1);
    await r.close();
  });

  test('after dropAll every connection reconnects with backoff and resubscribes everything it had', async () => {
    const r = await rig();
    r.client.subscribeQuotes(epicNames(50));
    r.client.subscribeOhlc(epicNames(3), ['MINUTE', 'HOUR']);
    await waitFor('subscriptions on the server', () => r.server.stats().quoteSubscriptions === 50 && r.server.stats().ohlcSubscriptions === 6);

    assert.equal(r.server.dropAll(), 2);
    await waitFor('two reconnects', () => r.client.state().connections.every((connection) => connection.reconnects === 1 && connection.connected));
    await waitFor('subscriptions restored', () => r.server.stats().quoteSubscriptions === 50 && r.server.stats().ohlcSubscriptions === 6);
    const waiting = r.changes.filter((change) => change.status === 'waiting');
    assert.equal(waiting.length, 2);
    assert.match(waiting[0]?.reason ?? '', /code 1006.*reconnecting in \d+ ms/);
    const quotesAfter = r.quotes.length;
    await waitFor('quotes again', () => r.quotes.length > quotesAfter + 100);
    await r.close();
  });

  test('while the server is down the delays grow, capped; when it is back the client resubscribes', async () => {
    const r = await rig({}, { reconnect: { initialDelayMs: 20, maxDelayMs: 80 }, random: () => 1 });
    r.client.subscribeQuotes(['GOLD', 'SILVER']);
    await waitFor('quotes', () => r.quotes.length > 0);
    const port = r.server.port;
    await r.server.close();
    await waitFor('five waits', () => r.changes.filter((change) => change.status === 'waiting').length >= 5);
    const delays = r.changes.filter((change) => change.status === 'waiting').map((change) => Number(/reconnecting in (\d+) ms/.exec(change.reason ?? '')?.[1]));
    assert.deepEqual(delays.slice(0, 5), [20, 40, 80, 80, 80]);

    const revived = await startStreamingServer({ authenticate: r.sessions.authenticate, prices: fakePrices, knownEpic: () => true, quotesPerSecond: 1_000, port });
    const quotesBefore = r.quotes.length;
    await waitFor('quotes from the restarted server', () => r.quotes.length > quotesBefore, 3_000);
    assert.equal(revived.stats().quoteSubscriptions, 2);
    await r.client.close();
    await revived.close();
  });

  test('with maxAttempts the connection gives up and says so', async () => {
    const r = await rig({}, { reconnect: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 } });
    r.client.subscribeQuotes(['GOLD']);
    await waitFor('open', allOpen(r.client, 1));
    await r.server.close();
    await waitFor('a give-up', () => r.errors.some((error) => error instanceof StreamingGaveUpError));
    assert.equal(r.client.state().connections[0]?.status, 'failed');
    assert.equal(r.client.state().connections[0]?.reconnects, 3);
    await r.client.close();
  });

  test('a silent feed trips the watchdog, which reconnects', async () => {
    const r = await rig({}, { staleAfterMs: 150 });
    r.client.subscribeQuotes(['GOLD']);
    await waitFor('quotes', () => r.quotes.length > 0);
    r.server.setSilent(true);
    await waitFor('a stale-feed reconnect', () => r.changes.some((change) => change.status === 'waiting' && /no quote for \d+ ms/.test(change.reason ?? '')));
    r.server.setSilent(false);
    const quotesBefore = r.quotes.length;
    await waitFor('quotes again', () => r.quotes.length > quotesBefore && r.client.state().connections[0]?.connected === true);
    assert.ok((r.client.state().connections[0]?.reconnects ?? 0) >= 1);
    assert.equal(r.server.stats().quoteSubscriptions, 1, 'resubscribed on the new connection');
    await r.close();
  });

  test('error.invalid.session.token: one renewSession for all connections, then every connection resubscribes', async () => {
    const r = await rig({}, { pingIntervalMs: 30 });
    r.client.subscribeQuotes(epicNames(100));
    await waitFor('three open connections', allOpen(r.client, 3));
    await waitFor('100 subscriptions', () => r.server.stats().quoteSubscriptions === 100);

    r.sessions.invalidate();
    await waitFor('a renewal', () => r.sessions.renewals > 0);
    // A connection whose next ping already carried the renewed tokens has no reason to reconnect.
    await waitFor('reopened connections', () => r.client.state().connections.every((connection) => connection.connected));
    await waitFor('100 subscriptions on three fresh-session connections', () => {
      const stats = r.server.stats();
      return stats.connections === 3 && stats.connectionsAccepted >= 4 && stats.quoteSubscriptions === 100;
    });
    assert.ok(r.client.state().connections.some((connection) => connection.reconnects === 1));
    assert.equal(r.sessions.renewals, 1, 'the three connections shared one renewal');
    assert.equal(r.client.state().sessionRenewals, 1);
    const quotesBefore = r.quotes.length;
    await waitFor('quotes on the new session', () => r.quotes.length > quotesBefore);
    assert.equal(r.sent.at(-1)?.cst, r.sessions.cst, 'messages carry the renewed tokens');
    await r.close();
  });
});

describe('robustness', () => {
  test('malformed frames, an errorCode at top level and a throwing listener do not take the client down', async (t: TestContext) => {
    const sessions = new FakeSessions();
    const { server, url } = await rawServer((socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as ClientMessage;
        if (message.destination !== 'marketData.subscribe') return;
        for (const frame of [
          '{not json',
          '[1,2]',
          '{"status":"OK","destination":"quote","payload":{"epic":"GOLD","bid":"1.5","bidQty":1,"ofr":1.6,"ofrQty":1,"timestamp":1}}',
          '{"status":"OK","destination":"quote","payload":{"epic":"GOLD","bid":1e999,"bidQty":1,"ofr":1.6,"ofrQty":1,"timestamp":1}}',
          '{"status":"OK","destination":"ohlc.event","payload":{"epic":"GOLD","resolution":"MINUTE","type":"classic","t":1,"o":null,"h":1,"l":1,"c":1}}',
          '{"status":"ERROR","destination":"marketData.subscribe"}',
          '{"status":"WHAT"}',
        ]) {
          socket.send(frame);
        }
        socket.send(Buffer.from([1, 2, 3]), { binary: true });
        socket.send(JSON.stringify({ status: 'ERROR', destination: 'marketData.subscribe', correlationId: message.correlationId, errorCode: 'error.invalid.epic' }));
        socket.send(JSON.stringify({ status: 'OK', destination: 'quote', payload: { epic: 'GOLD', product: 'CFD', bid: 1.5, bidQty: 10, ofr: 1.6, ofrQty: 11, timestamp: 7 } }));
        socket.send(JSON.stringify({ status: 'OK', destination: 'quote', payload: { epic: 'GOLD', product: 'CFD', bid: 1.55, bidQty: 10, ofr: 1.65, ofrQty: 11, timestamp: 8 } }));
      });
    });
    const { log } = capturedLog();
    const client = new StreamingClient({ url, credentials: sessions.credentials, renewSession: sessions.renew, log });
    const quotes: Quote[] = [];
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    client.on('quote', (quote) => {
      quotes.push(quote);
      if (quotes.length === 1) throw new Error('a careless listener');
    });
    client.subscribeQuotes(['GOLD']);
    await waitFor('both good quotes', () => quotes.length === 2);
    assert.deepEqual(quotes[0], { epic: 'GOLD', bid: 1.5, bidQty: 10, ofr: 1.6, ofrQty: 11, timestamp: 7 });
    const state = client.state().connections[0];
    assert.equal(state?.malformedFrames, 8);
    assert.equal(state?.connected, true);
    const rejected = errors.find((error) => error instanceof StreamingRequestError);
    assert.equal(rejected?.code, 'error.invalid.epic', 'a top-level errorCode is read too');
    assert.ok(errors.some((error) => error.message === 'a careless listener'));
    t.diagnostic(`malformed frames counted: ${state?.malformedFrames}`);
    await client.close();
    await closeRawServer(server);
  });

  test('a session error with the code at top level also renews and reconnects', async () => {
    const sessions = new FakeSessions();
    let connections = 0;
    const { server, url } = await rawServer((socket) => {
      connections += 1;
      const first = connections === 1;
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as ClientMessage;
        if (first) socket.send(JSON.stringify({ status: 'ERROR', destination: message.destination, correlationId: message.correlationId, errorCode: 'error.invalid.session.token' }));
        else socket.send(JSON.stringify({ status: 'OK', destination: message.destination, correlationId: message.correlationId, payload: { subscriptions: { GOLD: 'PROCESSED' } } }));
      });
    });
    const { log } = capturedLog();
    const client = new StreamingClient({ url, credentials: sessions.credentials, renewSession: sessions.renew, log, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const acks: string[] = [];
    client.on('subscribed', (ack) => acks.push(Object.keys(ack.subscriptions).join()));
    client.subscribeQuotes(['GOLD']);
    await waitFor('an ack on the second connection', () => acks.length > 0);
    assert.equal(sessions.renewals, 1);
    assert.equal(connections, 2);
    await client.close();
    await closeRawServer(server);
  });

  test('close() leaves no sockets or timers behind: when open, while connecting, and while a renewal hangs', async () => {
    const baseline = activeResources();
    const r = await rig({}, { pingIntervalMs: 20, staleAfterMs: 100 });
    r.client.subscribeQuotes(epicNames(45));
    r.client.subscribeOhlc(['GOLD']);
    await waitFor('open', allOpen(r.client, 2));

    const { log } = capturedLog();
    const connecting = new StreamingClient({ url: r.server.url, credentials: r.sessions.credentials, renewSession: r.sessions.renew, log });
    connecting.subscribeQuotes(['GOLD']);
    await connecting.close();

    let renewCalls = 0;
    const stuck = new StreamingClient({
      url: r.server.url,
      credentials: () => ({ cst: 'cst-expired', securityToken: 'xst-expired' }),
      renewSession: () => {
        renewCalls += 1;
        return new Promise<void>(() => undefined);
      },
      log,
    });
    stuck.subscribeQuotes(['SILVER']);
    await waitFor('a hanging renewal', () => renewCalls === 1 && stuck.state().connections[0]?.status === 'renewing');
    await stuck.close();

    await r.close();
    await r.client.close();
    assert.equal(r.client.state().connections.length, 0);
    assert.equal(r.client.state().closed, true);
    await waitFor('resources released', () => sameResources(baseline, activeResources()), 2_000).catch(() => {
      assert.deepEqual(activeResources(), baseline);
    });
    assert.throws(() => r.client.subscribeQuotes(['GOLD']), /closed/);
  });
});

describe('throughput', () => {
  test('the simulator delivers at least 20,000 quotes/s across 100 epics to one client', async (t: TestContext) => {
    const r = await rig({ quotesPerSecond: 30_000 }, { staleAfterMs: 5_000 });
    const quoting = new Set<string>();
    r.client.on('quote', (quote) => quoting.add(quote.epic));
    r.client.subscribeQuotes(epicNames(100));
    await waitFor('all 100 epics quoting', () => quoting.size === 100);
    const startCount = r.quotes.length;
    const startMs = performance.now();
    await sleep(2_000);
    const received = r.quotes.length - startCount;
    const seconds = (performance.now() - startMs) / 1000;
    const rate = Math.round(received / seconds);
    const stats = r.server.stats();
    t.diagnostic(`received ${received} quotes in ${seconds.toFixed(2)} s = ${rate} quotes/s (configured 30,000/s; server dropped ${stats.quotesDropped})`);
    assert.ok(rate >= 20_000, `only ${rate} quotes/s`);
    assert.equal(r.client.state().connections.reduce((sum, connection) => sum + connection.malformedFrames, 0), 0);
    await r.close();
  });

  test('backoff: doubling from initialDelayMs, jittered between half and all of it, capped at maxDelayMs', () => {
    const policy = { initialDelayMs: 100, maxDelayMs: 1_000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 50].map((attempt) => reconnectDelayMs(attempt, policy, () => 1)),
      [100, 200, 400, 800, 1_000, 1_000],
    );
    assert.deepEqual(
      [1, 2, 3].map((attempt) => reconnectDelayMs(attempt, policy, () => 0)),
      [50, 100, 200],
    );
  });
});

async function waitForMessage(r: Rig, destination: string): Promise<ClientMessage> {
  await waitFor(`a ${destination} message`, () => r.sent.some((message) => message.destination === destination));
  return r.sent.find((message) => message.destination === destination) as ClientMessage;
}

/** A bare WebSocket server whose behaviour each test scripts, for frames the simulator never sends. */
async function rawServer(onConnection: (socket: WebSocket) => void): Promise<{ server: WebSocketServer; url: string }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', onConnection);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `ws://127.0.0.1:${port}/connect` };
}

async function closeRawServer(server: WebSocketServer): Promise<void> {
  for (const socket of server.clients) socket.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function sameResources(a: Record<string, number>, b: Record<string, number>): boolean {
  const kinds = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const kind of kinds) if ((a[kind] ?? 0) !== (b[kind] ?? 0)) return false;
  return true;
}
