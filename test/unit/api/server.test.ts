import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Db } from 'mongodb';
import { parseTokenSpec } from '../../../api/auth/tokens';
import type { ApiDeps } from '../../../api/deps';
import { buildApi, routesOf } from '../../../api/server';
import { createLogger } from '../../../lib/log';

const READ = 'r'.repeat(40);
const WRITE = 'w'.repeat(40);

/** An API whose database fails every call: enough to see auth, validation and errors at work. */
function apiWithBrokenStore() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const db = new Proxy({}, { get: () => () => { throw new Error('boom: secret internals at /srv/db.ts:12'); } }) as unknown as Db;
  const deps: ApiDeps = {
    temporal: {} as ApiDeps['temporal'],
    taskQueue: 'recon',
    db,
    statementsDir: '/nonexistent',
    tokens: parseTokenSpec(`reader:${READ}:statements:read+ledger:read,writer:${WRITE}:runs:write`),
    log: createLogger({ level: 'info', format: 'json', destination }),
    readiness: [
      { name: 'temporal', check: async () => undefined },
      { name: 'mongodb', check: async () => { throw new Error('connection refused mongodb://user:pw@db'); } },
    ],
  };
  return { app: buildApi(deps), lines };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the API without its servers: auth, validation, errors, the document', () => {
  test('a failure inside a route is a 500 "internal error" with a request id, never a stack or the message', async () => {
    const { app, lines } = apiWithBrokenStore();
    const response = await app.inject({ url: '/statements?accountId=A1', headers: bearer(READ) });
    assert.equal(response.statusCode, 500);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'requestId']);
    assert.equal(body.message, 'internal error');
    assert.equal(body.requestId, response.headers['x-request-id']);
    assert.doesNotMatch(response.body, /boom|srv|at /);
    // The log has the details, under the same request id.
    assert.ok(lines.some((l) => l.includes('boom') && l.includes(body.requestId)));
  });

  test('401 without or with an unknown token, 403 without the scope; the log names the token, never its value', async () => {
    const { app, lines } = apiWithBrokenStore();
    const none = await app.inject({ url: '/ledger/transactions?accountId=A1' });
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer realm=/);
    assert.equal((await app.inject({ url: '/ledger/transactions?accountId=A1', headers: bearer('x'.repeat(40)) })).statusCode, 401);
    assert.equal((await app.inject({ url: '/ledger/transactions?accountId=A1', headers: { authorization: `Basic ${READ}` } })).statusCode, 401);
    const forbidden = await app.inject({ method: 'POST', url: '/runs', headers: bearer(READ), payload: {} });
    assert.equal(forbidden.statusCode, 403);
    assert.match(forbidden.json().message, /runs:write/);
    const log = lines.join('');
    assert.ok(log.includes('"client":"reader"'));
    assert.ok(!log.includes(READ) && !log.includes(WRITE) && !/authorization|bearer/i.test(log), 'no token or Authorization header in the log');
  });

  test('authentication comes before validation; then bad input is a 400 naming the field', async () => {
    const { app } = apiWithBrokenStore();
    assert.equal((await app.inject({ method: 'POST', url: '/runs', payload: { period: 'x' } })).statusCode, 401);
    const bad = await app.inject({ method: 'POST', url: '/runs', headers: bearer(WRITE), payload: { accountId: 'A1', period: '2025-13', timeZone: 'Nowhere/City', windowHours: 0 } });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().issues.map((i: { field: string }) => i.field).sort(), ['body.period', 'body.timeZone', 'body.windowHours']);
    const notJson = await app.inject({ method: 'POST', url: '/runs', headers: { ...bearer(WRITE), 'content-type': 'application/json' }, payload: '{oops' });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().error, 'bad_request');
  });

  test('unknown routes are 404 in the same error shape', async () => {
    const { app } = apiWithBrokenStore();
    const response = await app.inject({ url: '/nope?x=1' });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(Object.keys(response.json()).sort(), ['error', 'message', 'requestId']);
  });

  test('readyz names the dependency that failed, with a 503 and no credentials', async () => {
    const { app } = apiWithBrokenStore();
    const response = await app.inject({ url: '/readyz' });
    assert.equal(response.statusCode, 503);
    const body = response.json();
    assert.equal(body.checks.temporal.ok, true);
    assert.equal(body.checks.mongodb.ok, false);
    assert.doesNotMatch(response.body, /pw@|user:/);
    assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  });

  test('every route the server answers is in /openapi.json, with its scope', async () => {
    const { app } = apiWithBrokenStore();
    await app.ready();
    const document = (await app.inject({ url: '/openapi.json' })).json();
    assert.equal(document.openapi, '3.1.0');
    const served = routesOf(app).filter((r) => r.method !== 'HEAD');
    assert.ok(served.length >= 10, `${served.length} routes`);
    for (const route of served) {
      const openApiPath = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const operation = document.paths[openApiPath]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${openApiPath} is documented`);
      for (const name of [...openApiPath.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        assert.ok(operation.parameters.some((p: { name: string; in: string }) => p.name === name && p.in === 'path'), `${name} of ${openApiPath}`);
      }
    }
    const documented = Object.entries(document.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${p}`));
    assert.equal(documented.length, served.length, 'and nothing documented that is not served');
    assert.deepEqual(document.paths['/ledger/transactions'].get.security, [{ bearer: ['ledger:read'] }]);
    assert.deepEqual(document.paths['/healthz'].get.security, []);
    const tagNames = (document.tags as Array<{ name: string }>).map((tag) => tag.name);
    assert.deepEqual(tagNames, [...new Set(tagNames)], 'each tag once');
  });
});
