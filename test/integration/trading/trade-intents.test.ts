/**
 * Trade intents end to end: the webhook (authentication, replays, validation) over HTTP injection,
 * the workflow on the real Temporal server, orders on the simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parseIntentSources } from '../../../api/auth/intent-sources';
import { parseTokenSpec } from '../../../api/auth/tokens';
import { buildApi } from '../../../api/server';
import { createActivities } from '../../../activities';
import { recordTransportEvent, type CapitalClient } from '../../../lib/capital';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { findLifecycle } from '../../../lib/store/orders';
import { findIntent, saveNewIntent } from '../../../lib/store/trade-intents';
import { DEFAULT_INTENT_RISK_POLICY, parseTradeIntent } from '../../../lib/trading/intent';
import { signWebhookBody } from '../../../lib/trading/webhook-signature';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

const SEED = 17;
const SECRET = 'desk-secret-0123456789abcdef0123456789';
const TOKEN = 'tv-token-0123456789abcdef0123456789abcd';
const READER = 'r'.repeat(40);
/** A Wednesday morning: GOLD trades. */
const OPEN_MS = Date.UTC(2025, 2, 5, 10, 0);
/** A Saturday: markets are closed. */
const CLOSED_MS = Date.UTC(2025, 2, 8, 12, 0);

describe('trade intents', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let app: FastifyInstance;
  let capital: CapitalClient;
  let accountId: string;

  const setClock = (atMs: number) => {
    fixture.simulator.core.clock.freeze(atMs);
    fixture.simulator.core.clock.unfreeze();
  };
  const signed = (body: string, atMs = Date.now()) => ({ 'content-type': 'application/json', 'x-recon-source': 'desk', 'x-recon-signature': signWebhookBody(SECRET, body, atMs) });
  const post = (body: string, headers: Record<string, string>, query = '') => app.inject({ method: 'POST', url: `/webhooks/trade-intents${query}`, headers, payload: body });
  const intentBody = (key: string, extra: Record<string, unknown> = {}) => JSON.stringify({ strategy: 'it', instrument: 'GOLD', direction: 'BUY', size: '1', stopLoss: { distance: '20' }, idempotencyKey: key, ...extra });
  const positionsOpenedBy = async (dealIds: readonly string[]) => (await capital.positions()).positions.filter((p) => dealIds.includes(p.position.dealId) || dealIds.includes(p.position.workingOrderId));
  const result = (intentId: string) => ctx.client.workflow.getHandle(intentId).result();

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'intents');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: SEED, transactionsPerMonth: 600, confirmDelayMs: 300 });
    accountId = (fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!).accountId;
    setClock(OPEN_MS);
    capital = fixture.newClient({ onEvent: recordTransportEvent });
    ctx = await startTestWorker(stack, mongo, () => capital);
    app = buildApi({
      temporal: ctx.client,
      taskQueue: ctx.taskQueue,
      db: mongo.db,
      statementsDir: ctx.statementsDir,
      tokens: parseTokenSpec(`reader:${READER}:trading:read`),
      log: quietLog,
      intents: { sources: parseIntentSources(`desk:hmac:${SECRET}:${accountId},tv:token:${TOKEN}:${accountId}`), capitalFor: () => capital, risk: DEFAULT_INTENT_RISK_POLICY, environment: 'custom', symbols: { XAUUSD: 'GOLD' } },
    });
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  test('a signed alert becomes exactly one confirmed position, with its deal reference in the API and the order lifecycle', async () => {
    const answer = await post(intentBody('one-position'), signed(intentBody('one-position')));
    assert.equal(answer.statusCode, 202, answer.body);
    const { intentId } = answer.json();
    assert.equal(intentId, 'intent:desk:one-position');
    const outcome = await result(intentId);
    assert.equal(outcome.status, 'CONFIRMED', JSON.stringify(outcome));
    const shown = await app.inject({ method: 'GET', url: `/trade-intents/${intentId}`, headers: { authorization: `Bearer ${READER}` } });
    assert.equal(shown.statusCode, 200);
    const intent = shown.json();
    assert.match(intent.dealReference, /^o_/);
    assert.equal(intent.status, 'CONFIRMED');
    assert.equal(intent.affectedDealIds.length, 1);
    const opened = await positionsOpenedBy([intent.dealId]);
    assert.equal(opened.length, 1);
    assert.equal(opened[0]!.position.dealId, intent.affectedDealIds[0]);
    const lifecycle = await findLifecycle(mongo.db, accountId, intent.dealId);
    assert.deepEqual(lifecycle?.lifecycle && (lifecycle.lifecycle as { lifecycle: { history: Array<{ state: string }> } }).lifecycle.history.map((s) => s.state), ['INTENDED', 'FILLED']);
  });

  test('unsigned, wrongly signed, stale, unknown and replayed deliveries are refused', async () => {
    const body = intentBody('auth-cases');
    assert.equal((await post(body, { 'content-type': 'application/json', 'x-recon-source': 'desk' })).statusCode, 401);
    assert.equal((await post(body, { ...signed(body), 'x-recon-signature': signWebhookBody('another-secret-0123456789abcdef', body, Date.now()) })).statusCode, 401);
    assert.equal((await post(body, signed(body, Date.now() - 10 * 60_000))).statusCode, 401);
    assert.equal((await post(body, { ...signed(body), 'x-recon-source': 'nobody' })).statusCode, 401);
    assert.equal((await post(body, { 'content-type': 'text/plain' }, `?source=tv&token=${'x'.repeat(40)}`)).statusCode, 401);
    const headers = signed(body);
    assert.equal((await post(body, headers)).statusCode, 202);
    const replay = await post(body, headers);
    assert.equal(replay.statusCode, 409);
    assert.doesNotMatch(replay.body, new RegExp(SECRET));
    await result('intent:desk:auth-cases');
  });

  test('a bad intent gets a 422 naming every failing field and rule, and is stored as rejected', async () => {
    const body = JSON.stringify({ strategy: 'it', instrument: 'GOLD', direction: 'BUY', size: '-1', orderType: 'LIMIT', idempotencyKey: 'bad-fields' });
    const answer = await post(body, signed(body));
    assert.equal(answer.statusCode, 422, answer.body);
    const fields = answer.json().problems.map((p: { field: string }) => p.field);
    assert.ok(fields.includes('size') && fields.includes('level'), `size and level both reported: ${fields.join(', ')}`);

    const noStop = JSON.stringify({ strategy: 'it', instrument: 'GOLD', direction: 'BUY', size: '1', idempotencyKey: 'no-stop' });
    const refused = await post(noStop, signed(noStop));
    assert.equal(refused.statusCode, 422, refused.body);
    assert.ok(refused.json().problems.some((p: { rule: string }) => p.rule === 'risk.stop-required'));
    assert.equal((await findIntent(mongo.db, 'intent:desk:no-stop'))?.status, 'REJECTED');
  });

  test('100 concurrent duplicate deliveries of one intent place exactly one order', async () => {
    const before = (await capital.positions()).positions.length;
    const body = `ticker=XAUUSD\nside=buy\nqty=1\nsl=25\nstrategy=dup\nid=dup-100`;
    const answers = await Promise.all(Array.from({ length: 100 }, () => post(body, { 'content-type': 'text/plain' }, `?source=tv&token=${TOKEN}`)));
    assert.deepEqual([...new Set(answers.map((a) => a.statusCode))], [202], answers.find((a) => a.statusCode !== 202)?.body);
    const ids = new Set(answers.map((a) => a.json().intentId));
    assert.equal(ids.size, 1);
    const [intentId] = [...ids];
    assert.equal((await result(intentId!)).status, 'CONFIRMED');
    assert.equal((await capital.positions()).positions.length, before + 1);
  });

  test('a burst of intents is placed within the trading rate limit', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
    const refusedBefore = fixture.simulator.core.stats().rejectedByLimits;
    const answers = await Promise.all(keys.map((key) => post(intentBody(key), signed(intentBody(key)))));
    assert.deepEqual(answers.map((a) => a.statusCode), keys.map(() => 202));
    const outcomes = await Promise.all(answers.map((a) => result(a.json().intentId)));
    assert.deepEqual(outcomes.map((o) => o.status), keys.map(() => 'CONFIRMED'));
    // The simulator refuses (429) any request over the published limits, trading's 1 per 0.1 s included.
    assert.equal(fixture.simulator.core.stats().rejectedByLimits, refusedBefore);
  });

  test("a rejected confirm surfaces the broker's reason", async () => {
    const parsed = parseTradeIntent(intentBody('closed-market'), { source: 'desk', nowMs: Date.now(), symbols: {} });
    assert.ok(parsed.ok);
    await saveNewIntent(mongo.db, { _id: 'intent:desk:closed-market', source: 'desk', accountId, receivedAtMs: Date.now(), status: 'RECEIVED', intent: parsed.intent, problems: [], events: [], updatedAtMs: Date.now() });
    setClock(CLOSED_MS);
    try {
      const { dealReference } = await capital.openPosition({ epic: 'GOLD', direction: 'BUY', size: 1 });
      const activities = createActivities({ db: mongo.db, log: quietLog, capitalFor: () => capital });
      await new Promise((resolve) => setTimeout(resolve, 400));
      const outcome = await activities.confirmTradeIntent({ intentId: 'intent:desk:closed-market', dealReference });
      assert.equal(outcome.status, 'REJECTED');
      assert.equal(outcome.rejectReason, 'MARKET_CLOSED');
      const shown = await app.inject({ method: 'GET', url: '/trade-intents/intent:desk:closed-market', headers: { authorization: `Bearer ${READER}` } });
      assert.equal(shown.json().rejectReason, 'MARKET_CLOSED');
    } finally {
      setClock(OPEN_MS + 3_600_000);
    }
  });
});
