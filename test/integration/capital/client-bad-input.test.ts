import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CapitalResponseError, CapitalUnavailableError, createCapitalClient, type CapitalClient } from '../../../lib/capital';
import { quietLog } from '../../helpers/simulator';

/**
 * A broker that logs in fine and then answers each path with whatever the test put there: the
 * client must turn every malformed answer into a typed error naming the endpoint and the field.
 */
const answers = new Map<string, { status: number; body: string }>();
let server: Server;
let client: CapitalClient;

before(async () => {
  server = createServer((request, response) => {
    const path = (request.url ?? '').replace(/^\/api\/v1/, '').split('?')[0] as string;
    if (path === '/session') {
      response.writeHead(200, { 'Content-Type': 'application/json', CST: 'bad-input-cst', 'X-SECURITY-TOKEN': 'bad-input-xst' });
      response.end(JSON.stringify({ currentAccountId: 'ACC1', accounts: [{ accountId: 'ACC1' }] }));
      return;
    }
    const answer = answers.get(path) ?? { status: 404, body: '{"errorCode":"error.not-found.path"}' };
    response.writeHead(answer.status, { 'Content-Type': 'application/json' });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = createCapitalClient({
    capital: { environment: 'custom', baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k-bad-input', identifier: 'bad@input.test', password: 'pw-bad-input' },
    log: quietLog,
    encryptPassword: false,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
  });
});

after(async () => {
  client.session.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const answer = (path: string, body: unknown, status = 200) => answers.set(path, { status, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('malformed answers from the broker become typed errors, never crashes', () => {
  test('truncated or non-JSON bodies: retried, then a retryable error naming the endpoint', async () => {
    answer('/positions', '{"positions":[{"position":');
    await assert.rejects(client.positions(), (error: unknown) => error instanceof CapitalUnavailableError && error.endpoint === 'GET /positions' && /malformed JSON/.test(error.message));
    answer('/accounts', '<html>gateway</html>');
    await assert.rejects(client.accounts(), CapitalUnavailableError);
  });

  test('a missing required field names the endpoint and the field path', async () => {
    answer('/history/transactions', { transactions: [{ date: '2025-01-01T03:00:00.000', dateUtc: '2025-01-01T00:00:00.000', transactionType: 'DEPOSIT', reference: '1', currency: 'USD', note: 'Deposit' }] });
    await assert.rejects(client.transactions(), (error: unknown) => {
      assert.ok(error instanceof CapitalResponseError);
      assert.equal(error.endpoint, 'GET /history/transactions');
      assert.equal(error.field, 'transactions.0.size');
      return true;
    });
  });

  test('wrong types and non-decimal money name the field', async () => {
    answer('/history/transactions', { transactions: [{ date: '2025-01-01T03:00:00.000', dateUtc: '2025-01-01T00:00:00.000', transactionType: 'DEPOSIT', reference: '1', currency: 'USD', note: 'x', size: '12,50' }] });
    await assert.rejects(client.transactions(), (e: unknown) => e instanceof CapitalResponseError && e.field === 'transactions.0.size');
    answer('/accounts', { accounts: 'none' });
    await assert.rejects(client.accounts(), (e: unknown) => e instanceof CapitalResponseError && e.field === 'accounts');
    answer('/positions', { positions: [{ position: { dealId: 7 }, market: {} }] });
    await assert.rejects(client.positions(), (e: unknown) => e instanceof CapitalResponseError && e.field.startsWith('positions.0.'));
  });

  test('unknown fields and unknown enum values are kept, not rejected', async () => {
    answer('/history/transactions', {
      transactions: [{ date: '2025-01-01T03:00:00.000', dateUtc: '2025-01-01T00:00:00.000', transactionType: 'MYSTERY_FEE', reference: '9', currency: 'USDd', note: 'new', size: '-1.5', status: 'PROCESSED', brandNew: { nested: true } }],
    });
    const { transactions } = await client.transactions();
    assert.equal(transactions[0]?.transactionType, 'MYSTERY_FEE');
    assert.deepEqual((transactions[0] as Record<string, unknown>).brandNew, { nested: true });
  });

  test('an error body without errorCode still gives a typed request error', async () => {
    answer('/positions/abc', '', 404);
    await assert.rejects(client.position('abc'), (e: unknown) => (e as { code?: string }).code === 'http.404');
  });
});
