import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonical } from '../../../lib/money';
import { retries, startSimulatorWithClient } from '../../helpers/simulator';

const DAY = { fromMs: Date.UTC(2025, 0, 6), toMs: Date.UTC(2025, 0, 7) };

describe('limits and faults against the simulator over HTTP', () => {
  test('50 concurrent requests stay within 10 per second: the broker refuses none', async (t) => {
    const fixture = await startSimulatorWithClient();
    try {
      await fixture.client.ping(); // log in first: the login is limited separately
      const completed: number[] = [];
      const started = performance.now();
      await Promise.all(Array.from({ length: 50 }, () => fixture.client.ping().then(() => completed.push(performance.now()))));
      const seconds = (performance.now() - started) / 1000;
      assert.equal(fixture.simulator.stats().rejectedByLimits, 0);
      assert.equal(retries(fixture.events).length, 0);
      completed.sort((a, b) => a - b);
      for (let i = 10; i < completed.length; i++) {
        // The 11th completion can come no sooner than ~1 s after the first (small slack for scheduling).
        assert.ok((completed[i] as number) - (completed[i - 10] as number) >= 950, `requests ${i - 10}..${i} within one second`);
      }
      t.diagnostic(`50 requests in ${seconds.toFixed(2)} s = ${(50 / seconds).toFixed(1)} requests/s`);
    } finally {
      await fixture.close();
    }
  });

  test('trading POSTs are spaced at least 100 ms apart', async (t) => {
    const fixture = await startSimulatorWithClient();
    try {
      await fixture.client.ping();
      const at: number[] = [];
      const references = await Promise.all(
        Array.from({ length: 5 }, () => fixture.client.openPosition({ epic: 'BTCUSD', direction: 'BUY', size: 1 }).then((r) => (at.push(performance.now()), r.dealReference))),
      );
      assert.equal(new Set(references).size, 5);
      assert.equal(fixture.simulator.stats().rejectedByLimits, 0);
      at.sort((a, b) => a - b);
      for (let i = 1; i < at.length; i++) assert.ok((at[i] as number) - (at[i - 1] as number) >= 90);
      t.diagnostic(`5 orders over ${((at.at(-1) as number) - (at[0] as number)).toFixed(0)} ms`);
    } finally {
      await fixture.close();
    }
  });

  test('with 5xx, 429s, leaked exceptions and truncated bodies, results equal a fault-free run', async (t) => {
    const clean = await startSimulatorWithClient();
    const faulty = await startSimulatorWithClient({
      faults: { serverErrorRate: 0.15, rateLimitRate: 0.1, leakedExceptionRate: 0.05, truncatedBodyRate: 0.1 },
    });
    try {
      const read = async (fixture: typeof clean) => {
        const rows = [];
        for (let day = 0; day < 12; day++) {
          rows.push(...(await fixture.client.transactionsIn({ fromMs: DAY.fromMs + day * 86_400_000, toMs: DAY.toMs + day * 86_400_000 })));
        }
        const markets = await fixture.client.marketsByEpics(['GOLD', 'SILVER', 'US500']);
        const sentiment = await fixture.client.clientSentiments(['GOLD', 'BTCUSD']);
        return JSON.stringify({ rows: rows.map((r) => [r.reference, r.transactionType, canonical(r.size)]), epics: markets.map((m) => m.instrument.epic), sentiment: sentiment.clientSentiments.map((s) => s.marketId) });
      };
      const expected = await read(clean);
      const actual = await read(faulty);
      assert.equal(actual, expected);
      const retried = retries(faulty.events);
      const problems = retried.map((r) => (r.type === 'retry' ? r.problem : ''));
      assert.ok(problems.some((p) => /^5\d\d error\.internal/.test(p)), '5xx retried');
      assert.ok(problems.some((p) => p.startsWith('429')), '429 retried');
      assert.ok(problems.some((p) => p.includes('java.util.concurrent.TimeoutException')), 'leaked exception retried');
      assert.ok(problems.some((p) => p.includes('malformed JSON')), 'truncated body retried');
      t.diagnostic(`${retried.length} retries, e.g. ${[...new Set(problems)].slice(0, 4).join('; ')}`);
    } finally {
      await clean.close();
      await faulty.close();
    }
  });
});

describe('history windows', () => {
  test('activity over three days is read one day at a time and matches the per-day union', async () => {
    const fixture = await startSimulatorWithClient();
    try {
      const window = { fromMs: Date.UTC(2025, 0, 6), toMs: Date.UTC(2025, 0, 9) };
      const pages = [];
      for await (const page of fixture.client.activityBetween(window, { detailed: true })) pages.push(page);
      assert.equal(pages.length, 3);
      const all = pages.flatMap((p) => p.activities);
      assert.ok(all.length > 0);
      const keys = all.map((a) => `${a.dealId}|${a.dateUtc}|${a.type}|${a.status}`);
      assert.equal(new Set(keys).size, keys.length, 'no row twice across day boundaries');
      assert.ok(all.every((a) => a.details !== undefined), 'detailed rows carry details');
    } finally {
      await fixture.close();
    }
  });

  test('transactions split anywhere give the same rows as one request', async () => {
    const fixture = await startSimulatorWithClient();
    try {
      const whole = await fixture.client.transactionsIn(DAY);
      const middle = DAY.fromMs + 7 * 3_600_000 + 12_345;
      const parts = [...(await fixture.client.transactionsIn({ fromMs: DAY.fromMs, toMs: middle })), ...(await fixture.client.transactionsIn({ fromMs: middle, toMs: DAY.toMs }))];
      assert.deepEqual(parts.map((r) => r.reference), whole.map((r) => r.reference));
    } finally {
      await fixture.close();
    }
  });

  test('a configured row cap truncates silently, as gap detection must expect', async () => {
    const fixture = await startSimulatorWithClient({ history: { transactionsRowCap: 7 } });
    try {
      const rows = await fixture.client.transactions({ from: '2025-01-06T00:00:00', to: '2025-01-08T00:00:00' });
      assert.equal(rows.transactions.length, 7);
    } finally {
      await fixture.close();
    }
  });

  test('the broker refuses activity spans over one day, and the client never sends one', async () => {
    const fixture = await startSimulatorWithClient();
    try {
      await assert.rejects(fixture.client.activity({ from: '2025-01-06T00:00:00', to: '2025-01-08T00:00:00' }), (e: unknown) => (e as { code?: string }).code === 'error.invalid.daterange');
      await assert.rejects(fixture.client.activity({ from: '2025-01-06 00:00:00' }), (e: unknown) => (e as { code?: string }).code === 'error.invalid.from');
    } finally {
      await fixture.close();
    }
  });
});
