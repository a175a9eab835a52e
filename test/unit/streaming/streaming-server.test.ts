import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import {
  attachStreamingServer,
  barStartMs,
  startStreamingServer,
  StreamingErrorCode,
  type StandaloneStreamingServer,
  type StreamingServerOptions,
} from '../../../simulator/streaming';
import { epicNames, exampleFrames, fakePrices, FakeSessions, keysOf, RawClient, waitFor } from './helpers';

const examples = exampleFrames();
const [subscribeExample, ackExample, quoteExample, ohlcSubscribeExample, ohlcAckExample, ohlcEventExample, pingExample, pingReplyExample, errorExample] = examples;

function serverOptions(sessions: FakeSessions, overrides: Partial<StreamingServerOptions> = {}): StreamingServerOptions {
  return {
    authenticate: sessions.authenticate,
    prices: fakePrices,
    knownEpic: (epic) => !epic.startsWith('UNKNOWN'),
    quotesPerSecond: 2_000,
    ohlcIntervalMs: 50,
    ...overrides,
  };
}

/** The documented client message, with this session's tokens in place of the masked ones. */
function withTokens(message: unknown, sessions: FakeSessions): Record<string, unknown> {
  return { ...(message as object), cst: sessions.cst, securityToken: sessions.securityToken };
}

describe('the simulated streaming endpoint speaks the documented frames', () => {
  const sessions = new FakeSessions();
  let server: StandaloneStreamingServer;
  let client: RawClient;

  before(async () => {
    server = await startStreamingServer(serverOptions(sessions, { clock: () => 1_671_714_000_000 + 12_345 }));
    client = await RawClient.open(server.url);
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('a quote subscription is acked exactly like the example, then quotes with the example keys flow', async () => {
    client.send(withTokens(subscribeExample, sessions));
    const ack = await client.reply('1');
    assert.deepEqual(ack, ackExample);
    const quote = await client.next('a quote', (frame) => frame.destination === 'quote');
    assert.deepEqual(keysOf(quote), keysOf(quoteExample));
    assert.deepEqual(keysOf(quote.payload), keysOf(quoteExample?.payload));
    assert.equal(quote.payload?.epic, 'OIL_CRUDE');
    assert.equal(quote.payload?.product, 'CFD');
    for (const field of ['bid', 'bidQty', 'ofr', 'ofrQty', 'timestamp']) assert.equal(typeof quote.payload?.[field], 'number', field);
  });

  test('an OHLC subscription is acked with EPIC:RESOLUTION:type keys and bars carry the example keys', async () => {
    client.send(withTokens(ohlcSubscribeExample, sessions));
    const ack = await client.reply('3');
    assert.deepEqual(ack, ohlcAckExample);
    const bar = await client.next('a bar', (frame) => frame.destination === 'ohlc.event' && frame.payload?.epic === 'AAPL');
    assert.deepEqual(keysOf(bar), keysOf(ohlcEventExample));
    assert.deepEqual(keysOf(bar.payload), keysOf(ohlcEventExample?.payload));
    assert.equal(bar.payload?.resolution, 'MINUTE_5');
    assert.equal(bar.payload?.type, 'classic');
    assert.equal(bar.payload?.priceType, 'bid');
    // The clock sits 12.345 s into a five-minute bar: t is that bar's start.
    assert.equal(bar.payload?.t, 1_671_714_000_000);
  });

  test('a ping is answered exactly like the example', async () => {
    client.send(withTokens(pingExample, sessions));
    assert.deepEqual(await client.reply('5'), pingReplyExample);
  });

  test('an expired session gets the example ERROR frame, with the code in payload.errorCode', async () => {
    client.send({ ...withTokens(subscribeExample, sessions), cst: 'cst-from-yesterday' });
    const error = await client.next('the error', (frame) => frame.status === 'ERROR');
    assert.deepEqual(error, errorExample);
  });
});

describe('the simulated streaming endpoint enforces the protocol', () => {
  const sessions = new FakeSessions();
  let server: StandaloneStreamingServer;
  let client: RawClient;
  let correlation = 100;
  const ask = async (destination: string, payload?: Record<string, unknown>, tokens = sessions.credentials()) => {
    const correlationId = String(++correlation);
    client.send({ destination, correlationId, ...tokens, ...(payload ? { payload } : {}) });
    return client.reply(correlationId);
  };

  before(async () => {
    server = await startStreamingServer(serverOptions(sessions));
    client = await RawClient.open(server.url);
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('a subscribe with more than 40 epics is rejected whole; exactly 40 is accepted', async () => {
    const tooMany = await ask('marketData.subscribe', { epics: epicNames(41) });
    assert.equal(tooMany.status, 'ERROR');
    assert.equal(tooMany.destination, 'marketData.subscribe');
    assert.equal(tooMany.payload?.errorCode, StreamingErrorCode.tooManyEpics);
    assert.equal(server.stats().quoteSubscriptions, 0);

    const forty = await ask('marketData.subscribe', { epics: epicNames(40) });
    assert.equal(forty.status, 'OK');
    assert.equal(Object.keys(forty.payload?.subscriptions as object).length, 40);
    assert.equal(server.stats().quoteSubscriptions, 40);
    await ask('marketData.unsubscribe', { epics: epicNames(40) });
    assert.equal(server.stats().quoteSubscriptions, 0);
  });

  test('tokens are checked on every message, pings included', async () => {
    assert.equal((await ask('ping')).status, 'OK');
    const stale = await ask('ping', undefined, { cst: 'cst-old', securityToken: sessions.securityToken });
    assert.equal(stale.payload?.errorCode, 'error.invalid.session.token');
    const missing = await ask('ping', undefined, { cst: '', securityToken: '' });
    assert.equal(missing.payload?.errorCode, StreamingErrorCode.missingTokens);
  });

  test('OHLC unsubscribe: plural types, omitted resolutions and types mean all', async () => {
    await ask('OHLCMarketData.subscribe', { epics: ['AAPL', 'TSLA'], resolutions: ['MINUTE', 'MINUTE_5'], type: 'classic' });
    const heikin = await ask('OHLCMarketData.subscribe', { epics: ['AAPL'], resolutions: ['MINUTE', 'MINUTE_5'], type: 'heikin-ashi' });
    assert.deepEqual(keysOf(heikin.payload?.subscriptions), ['AAPL:MINUTE:heikin-ashi', 'AAPL:MINUTE_5:heikin-ashi']);
    assert.equal(server.stats().ohlcSubscriptions, 6);

    const byType = await ask('OHLCMarketData.unsubscribe', { epics: ['AAPL'], types: ['heikin-ashi'] });
    assert.deepEqual(keysOf(byType.payload?.subscriptions), ['AAPL:MINUTE:heikin-ashi', 'AAPL:MINUTE_5:heikin-ashi']);
    const byResolution = await ask('OHLCMarketData.unsubscribe', { epics: ['AAPL'], resolutions: ['MINUTE'] });
    assert.deepEqual(keysOf(byResolution.payload?.subscriptions), ['AAPL:MINUTE:classic']);
    const everything = await ask('OHLCMarketData.unsubscribe', { epics: ['AAPL', 'TSLA'] });
    assert.deepEqual(keysOf(everything.payload?.subscriptions), ['AAPL:MINUTE_5:classic', 'TSLA:MINUTE:classic', 'TSLA:MINUTE_5:classic']);
    assert.equal(server.stats().ohlcSubscriptions, 0);
  });

  test('OHLC subscribe defaults to MINUTE classic and rejects unknown resolutions and types', async () => {
    const defaults = await ask('OHLCMarketData.subscribe', { epics: ['GOLD'] });
    assert.deepEqual(defaults.payload?.subscriptions, { 'GOLD:MINUTE:classic': 'PROCESSED' });
    assert.equal((await ask('OHLCMarketData.subscribe', { epics: ['GOLD'], resolutions: ['MINUTE_3'] })).payload?.errorCode, 'error.invalid.resolution');
    assert.equal((await ask('OHLCMarketData.subscribe', { epics: ['GOLD'], type: 'renko' })).payload?.errorCode, StreamingErrorCode.invalidType);
    await ask('OHLCMarketData.unsubscribe', { epics: ['GOLD'] });
  });

  test('an unknown epic is acked NOT_FOUND and gets no quotes', async () => {
    const ack = await ask('marketData.subscribe', { epics: ['UNKNOWN_X', 'SILVER'] });
    assert.deepEqual(ack.payload?.subscriptions, { UNKNOWN_X: 'NOT_FOUND', SILVER: 'PROCESSED' });
    await client.next('a SILVER quote', (frame) => frame.destination === 'quote' && frame.payload?.epic === 'SILVER');
    assert.equal(
      client.frames.some((frame) => frame.payload?.epic === 'UNKNOWN_X'),
      false,
    );
    await ask('marketData.unsubscribe', { epics: ['SILVER'] });
  });

  test('malformed messages get an ERROR frame and the connection carries on', async () => {
    const before = server.stats().malformedMessages;
    for (const garbage of ['{not json', '[1,2,3]', '"just a string"', JSON.stringify({ correlationId: 'x' }), JSON.stringify({ destination: 'ping', payload: [1] })]) client.send(garbage);
    client.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true });
    await waitFor('six malformed-message errors', () => server.stats().malformedMessages === before + 6);
    // The server counts a message before its ERROR frame has crossed the socket.
    const malformedErrors = () => client.frames.filter((frame) => frame.payload?.errorCode === StreamingErrorCode.malformedMessage).length;
    await waitFor('six ERROR frames at the client', () => malformedErrors() >= 6);
    assert.equal(malformedErrors(), 6);
    assert.equal((await ask('no.such.destination')).payload?.errorCode, StreamingErrorCode.unknownDestination);
    assert.equal((await ask('ping')).status, 'OK');
  });

  test('silent mode keeps the socket and the replies but stops the data', async () => {
    await ask('marketData.subscribe', { epics: ['OIL_CRUDE'] });
    await client.next('a quote', (frame) => frame.destination === 'quote');
    server.setSilent(true);
    await sleep(30);
    const quotesBefore = client.count('quote');
    await sleep(150);
    assert.equal(client.count('quote'), quotesBefore);
    assert.equal((await ask('ping')).status, 'OK');
    server.setSilent(false);
    await waitFor('quotes again', () => client.count('quote') > quotesBefore);
    await ask('marketData.unsubscribe', { epics: ['OIL_CRUDE'] });
  });
});

describe('the simulated streaming endpoint under faults and load', () => {
  test('dropAll cuts every connection, and the server counts it', async () => {
    const sessions = new FakeSessions();
    const server = await startStreamingServer(serverOptions(sessions));
    const clients = await Promise.all([RawClient.open(server.url), RawClient.open(server.url)]);
    await waitFor('two connections', () => server.stats().connections === 2);
    const closed = clients.map((client) => new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code))));
    assert.equal(server.dropAll(), 2);
    assert.deepEqual(await Promise.all(closed), [1006, 1006]);
    await waitFor('no connections', () => server.stats().connections === 0);
    assert.equal(server.stats().connectionsDropped, 2);
    await server.close();
  });

  test('dropConnectionsEveryMs drops connections periodically', async () => {
    const server = await startStreamingServer(serverOptions(new FakeSessions(), { dropConnectionsEveryMs: 50 }));
    const client = await RawClient.open(server.url);
    await new Promise((resolve) => client.socket.once('close', resolve));
    assert.ok(server.stats().connectionsDropped >= 1);
    await server.close();
  });

  test('a connection that sends nothing for the idle timeout is closed', async () => {
    const server = await startStreamingServer(serverOptions(new FakeSessions(), { idleTimeoutMs: 100 }));
    const client = await RawClient.open(server.url);
    const startedMs = Date.now();
    await new Promise((resolve) => client.socket.once('close', resolve));
    assert.ok(Date.now() - startedMs >= 90);
    await server.close();
  });

  test('a client that stops reading loses quotes instead of growing the server memory', async () => {
    const sessions = new FakeSessions();
    const maxBufferedBytes = 16 * 1024;
    const server = await startStreamingServer(serverOptions(sessions, { quotesPerSecond: 100_000, maxBufferedBytesPerConnection: maxBufferedBytes }));
    const client = await RawClient.open(server.url);
    client.send({ destination: 'marketData.subscribe', correlationId: '1', ...sessions.credentials(), payload: { epics: epicNames(40) } });
    await client.reply('1');
    client.socket.pause();
    await waitFor('dropped quotes', () => server.stats().quotesDropped > 1_000, 10_000);
    client.socket.resume();
    await client.close();
    await server.close();
  });

  test('mounted on an existing http server: REST keeps working, /connect streams, other upgrade paths get 404', async () => {
    const sessions = new FakeSessions();
    const http = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"OK"}'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    const streaming = attachStreamingServer(http, serverOptions(sessions));

    const rest = await new Promise<string>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path: '/api/v1/ping' }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(rest, '{"status":"OK"}');

    const client = await RawClient.open(`ws://127.0.0.1:${port}/connect`);
    client.send({ destination: 'ping', correlationId: '1', ...sessions.credentials() });
    assert.equal((await client.reply('1')).status, 'OK');

    const refused = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
    const status = await new Promise<number | undefined>((resolve) => {
      refused.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode);
        refused.terminate();
      });
      refused.once('error', () => resolve(undefined));
    });
    assert.equal(status, 404);

    await client.close();
    await streaming.close();
    assert.equal(http.listening, true, 'closing the streaming endpoint leaves the REST server up');
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  test('weekly bars start on Monday 00:00 UTC; daily ones at midnight', () => {
    const wednesdayNoon = Date.UTC(2024, 0, 10, 12, 0, 0);
    assert.equal(new Date(barStartMs('WEEK', wednesdayNoon)).toISOString(), '2024-01-08T00:00:00.000Z');
    assert.equal(new Date(barStartMs('DAY', wednesdayNoon)).toISOString(), '2024-01-10T00:00:00.000Z');
    assert.equal(new Date(barStartMs('HOUR_4', wednesdayNoon + 3_600_000)).toISOString(), '2024-01-10T12:00:00.000Z');
  });
});
