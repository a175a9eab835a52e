import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CapitalAmbiguousError,
  CapitalAuthError,
  CapitalRequestError,
  CapitalUnavailableError,
  SessionInvalidSignal,
} from '../../../lib/capital/errors';
import { SlidingWindowLimiter } from '../../../lib/capital/rate-limit';
import { CapitalTransport, type TransportEvent } from '../../../lib/capital/transport';
import { createLogger } from '../../../lib/log';
import { maskSecrets } from '../../../lib/redact';

type Reply = { status: number; body?: string; headers?: Record<string, string> } | Error;

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(replies: Reply[]) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const reply = replies.shift();
    if (!reply) throw new Error('script exhausted');
    if (reply instanceof Error) throw reply;
    return new Response(reply.body ?? '', { status: reply.status, headers: reply.headers });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

function transport(replies: Reply[], events: TransportEvent[] = []) {
  const scripted = scriptedFetch(replies);
  const unlimited = new SlidingWindowLimiter(1000, 1);
  const instance = new CapitalTransport({
    baseUrl: 'http://broker.test/api/v1',
    limiters: { requests: unlimited, trading: unlimited },
    log: createLogger({ level: 'silent', format: 'json' }),
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
    fetch: scripted.fetch,
    onEvent: (e) => events.push(e),
    random: () => 0.5,
  });
  return { instance, calls: scripted.calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => ({ status, body: JSON.stringify(body), headers });
const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
const reset = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });

describe('the Capital.com transport', () => {
  test('a plain success returns the parsed body and the query string is encoded', async () => {
    const { instance, calls } = transport([json({ status: 'OK' })]);
    const response = await instance.send({ method: 'GET', path: '/history/activity', query: { filter: 'epic==GOLD,SILVER', detailed: true, dealId: undefined } });
    assert.deepEqual(response.body, { status: 'OK' });
    assert.equal(calls[0]?.url, 'http://broker.test/api/v1/history/activity?filter=epic%3D%3DGOLD%2CSILVER&detailed=true');
  });

  test('429, 5xx, leaked Java exceptions, network faults and truncated JSON are retried, then succeed', async () => {
    const events: TransportEvent[] = [];
    const { instance, calls } = transport(
      [json({ errorCode: 'error.too-many.requests' }, 429), json({ errorCode: 'java.util.concurrent.TimeoutException' }, 400), reset(), { status: 200, body: '{"positions":[' }],
      events,
    );
    await assert.rejects(instance.send({ method: 'GET', path: '/positions' }), CapitalUnavailableError);
    assert.equal(calls.length, 4);
    assert.deepEqual(events.map((e) => e.type === 'retry' && e.problem), ['429 error.too-many.requests', '400 java.util.concurrent.TimeoutException', 'network: ECONNRESET']);

    const again = transport([json({}, 503), json({ positions: [] })]);
    assert.deepEqual((await again.instance.send({ method: 'GET', path: '/positions' })).body, { positions: [] });
  });

  test('after the bound the error is retryable and says what kept failing', async () => {
    const { instance } = transport([json({}, 502), json({}, 502), json({}, 502), json({}, 502)]);
    await assert.rejects(instance.send({ method: 'GET', path: '/accounts' }), (error: unknown) => {
      assert.ok(error instanceof CapitalUnavailableError);
      assert.equal(error.retryable, true);
      assert.equal(error.attempts, 4);
      assert.match(error.message, /GET \/accounts still failing after 4 attempts: 502 http\.502/);
      return true;
    });
  });

  test('validation errors are non-retryable and carry the code and the bound', async () => {
    const { instance, calls } = transport([json({ errorCode: 'error.invalid.stoploss.minvalue: 17.146' }, 400)]);
    await assert.rejects(instance.send({ method: 'POST', path: '/positions', body: {}, trading: true }), (error: unknown) => {
      assert.ok(error instanceof CapitalRequestError);
      assert.equal(error.retryable, false);
      assert.equal(error.code, 'error.invalid.stoploss.minvalue');
      assert.equal(error.bound, '17.146');
      return true;
    });
    assert.equal(calls.length, 1);
  });

  test('not-found is a request error, bad credentials an auth error', async () => {
    await assert.rejects(transport([json({ errorCode: 'error.not-found.dealId' }, 404)]).instance.send({ method: 'GET', path: '/positions/x' }), (e: unknown) => e instanceof CapitalRequestError && e.status === 404);
    await assert.rejects(transport([json({ errorCode: 'error.invalid.details' }, 401)]).instance.send({ method: 'POST', path: '/session', body: {} }), CapitalAuthError);
    await assert.rejects(transport([json({ errorCode: 'error.null.api.key' }, 400)]).instance.send({ method: 'POST', path: '/session', body: {} }), CapitalAuthError);
  });

  test('session errors are signalled to the session layer, not retried here', async () => {
    for (const [status, code] of [[401, 'error.invalid.session.token'], [400, 'error.null.client.token'], [401, 'error.security.client-token-missing']] as const) {
      const { instance, calls } = transport([json({ errorCode: code }, status)]);
      await assert.rejects(instance.send({ method: 'GET', path: '/positions' }), (e: unknown) => e instanceof SessionInvalidSignal && e.code === code);
      assert.equal(calls.length, 1);
    }
  });

  test('a trading POST is never re-sent after an ambiguous failure, but is after a 429 or a refused connection', async () => {
    const ambiguous = transport([json({}, 500)]);
    await assert.rejects(ambiguous.instance.send({ method: 'POST', path: '/positions', body: {}, trading: true }), CapitalAmbiguousError);
    assert.equal(ambiguous.calls.length, 1);

    const timeout = transport([reset()]);
    await assert.rejects(timeout.instance.send({ method: 'POST', path: '/workingorders', body: {}, trading: true }), CapitalAmbiguousError);

    const safe = transport([json({ errorCode: 'error.too-many.requests' }, 429), refused(), json({ dealReference: 'o_1' })]);
    assert.deepEqual((await safe.instance.send({ method: 'POST', path: '/positions', body: {}, trading: true })).body, { dealReference: 'o_1' });
    assert.equal(safe.calls.length, 3);
  });

  test('tokens are read from the response headers and masked in any later text', async () => {
    const { instance } = transport([json({ ok: true }, 200, { CST: 'cst-token-123456', 'X-SECURITY-TOKEN': 'xst-token-654321' })]);
    const response = await instance.send({ method: 'GET', path: '/ping' });
    assert.deepEqual(response.tokens, { cst: 'cst-token-123456', securityToken: 'xst-token-654321' });
    assert.equal(maskSecrets('sent cst-token-123456 and xst-token-654321'), 'sent [REDACTED] and [REDACTED]');
  });

  test('Retry-After is honoured when the broker sends it', async () => {
    const events: TransportEvent[] = [];
    const { instance } = transport([json({}, 429, { 'Retry-After': '0.05' }), json({})], events);
    await instance.send({ method: 'GET', path: '/accounts' });
    assert.equal(events[0]?.type === 'retry' && events[0].delayMs, 50);
  });
});

describe('the sliding-window limiter', () => {
  test('a slot stays taken while its request is in flight and for a full window after it completes', async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => { now += ms; await new Promise((resolve) => setImmediate(resolve)); } };
    const limiter = new SlidingWindowLimiter(1, 1000, clock);
    const first = await limiter.acquire();
    now = 5_000; // the response takes five seconds to come back
    const granted = { at: -1 };
    const second = limiter.acquire().then(() => (granted.at = now));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(granted.at, -1, 'not while the first request is in flight');
    const completedAt = now;
    first.done();
    await second;
    assert.ok(granted.at >= completedAt + 1000, `granted at ${granted.at}: a full window after the first completed at ${completedAt}`);
  });

  test('never grants more than the limit in any window, in arrival order', async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const limiter = new SlidingWindowLimiter(10, 1000, clock);
    const grantedAt: number[] = [];
    await Promise.all(Array.from({ length: 35 }, (_, i) => limiter.acquire().then((lease) => (grantedAt.push(now * 1000 + i), lease.done()))));
    const times = grantedAt.map((g) => Math.floor(g / 1000));
    for (let i = 10; i < times.length; i++) assert.ok((times[i] as number) - (times[i - 10] as number) >= 1000, `grant ${i} too soon`);
    assert.deepEqual(grantedAt.map((g) => g % 1000), Array.from({ length: 35 }, (_, i) => i), 'first come, first served');
  });
});
