/**
 * Bad trade-intent deliveries (reliability suite, issue #10): malformed bodies (JSON and
 * TradingView key=value text: wrong types, missing fields, huge values, unknown enums, invalid
 * UTF-8, truncated JSON, oversized bodies) and bad signatures or tokens, through the real API
 * (`buildApi`, injected requests) with the real worker on Temporal and the simulator behind it.
 * Every delivery gets its exact 4xx with a reason, no intent workflow is started, and the
 * simulator receives no order; one valid delivery at the end shows the same path does place one.
 *
 * Cases come from test/helpers/bad-input.ts, seeded: a failure prints the seed and case index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { parseIntentSources } from '../../api/auth/intent-sources';
import { parseTokenSpec } from '../../api/auth/tokens';
import { buildApi } from '../../api/server';
import { recordTransportEvent, type CapitalClient } from '../../lib/capital';
import { ensureIndexes } from '../../lib/store/indexes';
import type { MongoHandle } from '../../lib/store/mongo';
import { TRADE_INTENTS } from '../../lib/store/trade-intents';
import { DEFAULT_INTENT_RISK_POLICY } from '../../lib/trading/intent';
import { CaseFailures, countProcessFailures, forEachCase, within, webhookCase, type WebhookCase, type WebhookContext } from '../helpers/bad-input';
import { bySize } from '../helpers/reliability';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from '../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../helpers/stack';

const CASES = bySize({ full: 10_000, reduced: 1_000 });
/** Cases whose answer needs the broker (market lookup, dealing rules, risk) wait on its 10 requests/s. */
const CONCURRENCY = 8;
const SIMULATOR_SEED = 43;
const HMAC_SECRET = 'bad-input-secret-0123456789abcdef0123';
const TOKEN = 'bad-input-token-0123456789abcdef012345';
const READER = 'q'.repeat(40);
const REQUEST_MS_MAX = 60_000;
/** A Wednesday morning: GOLD trades, so a delivery refused here is refused for itself. */
const OPEN_MS = Date.UTC(2025, 2, 5, 10, 0);

describe('bad trade-intent deliveries: a 4xx with a reason each, no workflow, no order', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let app: FastifyInstance;
  let capital: CapitalClient;
  let accountId: string;
  let workflowStarts = 0;
  const failures = countProcessFailures();

  /** The worker's Temporal client, counting the workflows the API starts. */
  function countingStarts(client: Client): Client {
    const workflow = new Proxy(client.workflow, {
      get(target, property, receiver) {
        if (property === 'start') {
          return (...args: Parameters<Client['workflow']['start']>) => {
            workflowStarts++;
            return target.start(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'workflow') return workflow;
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  const orderCount = async () => (await capital.positions()).positions.length + (await capital.workingOrders()).workingOrders.length;
  const webhookContext = (): WebhookContext => ({ hmacSource: 'desk', hmacSecret: HMAC_SECRET, tokenSource: 'tv', token: TOKEN, nowMs: Date.now(), epic: 'GOLD', unknownEpic: 'NOSUCHEPIC' });
  const send = (c: WebhookCase) => within(app.inject({ method: 'POST', url: c.url, headers: c.headers, payload: c.payload }), REQUEST_MS_MAX, c.description);

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'bad_intents');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: SIMULATOR_SEED, transactionsPerMonth: 300, confirmDelayMs: 100 });
    accountId = (fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!).accountId;
    fixture.simulator.core.clock.freeze(OPEN_MS);
    fixture.simulator.core.clock.unfreeze();
    capital = fixture.newClient({ onEvent: recordTransportEvent });
    ctx = await startTestWorker(stack, mongo, () => capital);
    app = buildApi({
      temporal: countingStarts(ctx.client),
      taskQueue: ctx.taskQueue,
      db: mongo.db,
      statementsDir: ctx.statementsDir,
      tokens: parseTokenSpec(`reader:${READER}:trading:read`),
      log: quietLog,
      intents: { sources: parseIntentSources(`desk:hmac:${HMAC_SECRET}:${accountId},tv:token:${TOKEN}:${accountId}`), capitalFor: () => capital, risk: DEFAULT_INTENT_RISK_POLICY, environment: 'custom', symbols: { XAUUSD: 'GOLD' } },
    });
    await app.ready();
  });

  after(async () => {
    failures.stop();
    await app?.close();
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  /** What is wrong with an answer to a bad delivery, or undefined when it is the refusal the case expects. */
  function judge(answer: LightMyRequestResponse, status: number): string | undefined {
    if (answer.statusCode !== status) return `answered ${answer.statusCode}, not ${status}: ${answer.body.slice(0, 300)}`;
    let body: { error?: unknown; message?: unknown; problems?: Array<{ field?: unknown; rule?: unknown; reason?: unknown }> };
    try {
      body = answer.json();
    } catch {
      return `the ${status} body is not JSON: ${answer.body.slice(0, 200)}`;
    }
    if (typeof body.error !== 'string' || typeof body.message !== 'string' || body.message.trim() === '') return `the ${status} gives no reason: ${answer.body.slice(0, 200)}`;
    if (status === 422) {
      const problems = body.problems ?? [];
      if (problems.length === 0) return 'a 422 without problems';
      if (!problems.every((p) => typeof p.field === 'string' && typeof p.rule === 'string' && typeof p.reason === 'string' && p.reason !== '')) return `a problem without field, rule or reason: ${JSON.stringify(problems).slice(0, 300)}`;
    }
    return undefined;
  }

  test(`${CASES} malformed or unauthenticated deliveries are refused`, async (t) => {
    const started = Date.now();
    const ordersBefore = await orderCount();
    const problems = new CaseFailures();
    const byStatus = new Map<number, number>();
    let brokerCases = 0;
    await forEachCase(CASES, CONCURRENCY, async (index) => {
      const c = webhookCase(index, webhookContext());
      if (c.needsBroker) brokerCases++;
      try {
        const answer = await send(c);
        byStatus.set(answer.statusCode, (byStatus.get(answer.statusCode) ?? 0) + 1);
        const problem = judge(answer, c.status);
        if (problem) return problems.add(c.description, problem);
        if (c.replayStatus !== undefined) {
          const replay = await send(c);
          const replayProblem = judge(replay, c.replayStatus);
          if (replayProblem) problems.add(c.description, `the replay: ${replayProblem}`);
        }
      } catch (error) {
        problems.add(c.description, `threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
    });
    t.diagnostic(`${CASES} deliveries (${brokerCases} judged against the broker) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${[...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(', ')}`);
    assert.equal(problems.count, 0, problems.message());
    assert.equal(workflowStarts, 0, 'no intent workflow is started for a refused delivery');
    assert.equal(await orderCount(), ordersBefore, 'the simulator received no order');
    const accepted = await mongo.db.collection(TRADE_INTENTS).countDocuments({ status: { $ne: 'REJECTED' } });
    assert.equal(accepted, 0, 'every stored intent is REJECTED');
    assert.equal(failures.count, 0, `unhandled: ${failures.first}`);
  });

  test('the same path places a valid delivery (the checks above can see an order)', async () => {
    const ordersBefore = await orderCount();
    const body = `ticker=XAUUSD\nside=buy\nqty=1\nsl=25\nstrategy=bad-input-control\nid=bad-input-control-${Date.now()}`;
    const answer = await app.inject({ method: 'POST', url: `/webhooks/trade-intents?source=tv&token=${TOKEN}`, headers: { 'content-type': 'text/plain' }, payload: body });
    assert.equal(answer.statusCode, 202, answer.body);
    assert.equal(workflowStarts, 1);
    const outcome = await ctx.client.workflow.getHandle(answer.json().intentId).result();
    assert.equal(outcome.status, 'CONFIRMED', JSON.stringify(outcome));
    assert.equal(await orderCount(), ordersBefore + 1);
    assert.equal(failures.count, 0, `unhandled: ${failures.first}`);
  });
});
