/**
 * A worker killed (SIGKILL) after the order POST and before the confirm: the replacement worker
 * finishes the intent with exactly one order and the right deal id.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { findIntent, saveNewIntent } from '../../../lib/store/trade-intents';
import { connectTemporalClient } from '../../../lib/temporal/client';
import { parseTradeIntent } from '../../../lib/trading/intent';
import type { executeTradeIntent } from '../../../workflows/trade-intent';
import { startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, testStack, uniqueName } from '../../helpers/stack';
import { startWorkerProcess } from '../../helpers/worker-process';

const SEED = 19;
const OPEN_MS = Date.UTC(2025, 2, 5, 10, 0);

let fixture: SimulatorFixture;
let mongo: MongoHandle;
let accountId: string;

/** Stores a parsed intent, as the webhook does before it starts the workflow. */
async function storedIntent(key: string, terms: Record<string, unknown>): Promise<string> {
  const parsed = parseTradeIntent(JSON.stringify({ strategy: 'kill', instrument: 'GOLD', stopLoss: { distance: '30' }, idempotencyKey: key, ...terms }), { source: 'desk', nowMs: Date.now() });
  assert.ok(parsed.ok);
  const intentId = `intent:desk:${key}`;
  await saveNewIntent(mongo.db, { _id: intentId, source: 'desk', accountId, receivedAtMs: Date.now(), status: 'RECEIVED', intent: parsed.intent, problems: [], events: [], updatedAtMs: Date.now() });
  return intentId;
}

/** Waits until the stored intent satisfies `reached`. */
async function until(intentId: string, reached: (stored: Awaited<ReturnType<typeof findIntent>>) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!reached(await findIntent(mongo.db, intentId))) {
    assert.ok(Date.now() < deadline, what);
    await sleep(20);
  }
}

const worker = (taskQueue: string) => startWorkerProcess({ taskQueue, database: mongo.db.databaseName, simulator: fixture.simulator });

before(async () => {
  // The confirm stays unknown (404) for 4 s after the POST: the window the worker dies in.
  fixture = await startSimulatorWithClient({ seed: SEED, transactionsPerMonth: 600, confirmDelayMs: 4_000 });
  fixture.simulator.core.clock.freeze(OPEN_MS);
  fixture.simulator.core.clock.unfreeze();
  accountId = (fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!).accountId;
  mongo = await openTestDatabase(testStack(), 'intentkill');
  await ensureIndexes(mongo.db);
});

after(async () => {
  await mongo?.close();
  await fixture?.close();
});

test('a worker killed between the order POST and its confirm still ends with exactly one order and the right deal id', async (t) => {
  const intentId = await storedIntent('killed-mid-confirm', { direction: 'SELL', size: '2' });
  const positionsBefore = (await fixture.client.positions()).positions.length;

  const taskQueue = uniqueName('intent-killed');
  let workerProcess = worker(taskQueue);
  const temporal = await connectTemporalClient({ address: testStack().address, namespace: testStack().namespace });
  try {
    const handle = await temporal.workflow.start<typeof executeTradeIntent>('executeTradeIntent', { taskQueue, workflowId: intentId, args: [{ intentId }] });
    await until(intentId, (stored) => stored?.dealReference !== undefined, 'the order was sent');
    workerProcess.kill('SIGKILL');
    t.diagnostic('killed the worker after the POST, while the confirm was still unknown');
    workerProcess = worker(taskQueue);

    const outcome = await handle.result();
    assert.equal(outcome.status, 'CONFIRMED', JSON.stringify(outcome));
    const stored = await findIntent(mongo.db, intentId);
    const positions = (await fixture.client.positions()).positions;
    assert.equal(positions.length, positionsBefore + 1, 'exactly one order');
    const opened = positions.filter((p) => p.position.workingOrderId === stored?.dealId);
    assert.equal(opened.length, 1);
    assert.deepEqual(stored?.affectedDealIds, [opened[0]!.position.dealId]);
    assert.equal(stored?.events.filter((e) => e.status === 'PLACING').length, 1, 'one POST');
  } finally {
    fixture.simulator.core.setFaults({ lateAnswerMs: 0 });
    workerProcess.kill('SIGTERM');
    await temporal.connection.close();
  }
});

test('a worker killed while the order POST is in flight: the deal is found on the broker and adopted, never sent twice', async (t) => {
  const intentId = await storedIntent('killed-mid-post', { direction: 'BUY', size: '3' });
  const positionsBefore = (await fixture.client.positions()).positions.length;

  const taskQueue = uniqueName('intent-killed-post');
  // Every answer comes 1 s after the broker did the work: the POST's answer will reach nobody.
  fixture.simulator.core.setFaults({ lateAnswerMs: 1_000 });
  let workerProcess = worker(taskQueue);
  const temporal = await connectTemporalClient({ address: testStack().address, namespace: testStack().namespace });
  try {
    const handle = await temporal.workflow.start<typeof executeTradeIntent>('executeTradeIntent', { taskQueue, workflowId: intentId, args: [{ intentId }] });
    await until(intentId, (stored) => stored?.status === 'PLACING', 'the order is being sent');
    await sleep(300);
    workerProcess.kill('SIGKILL');
    fixture.simulator.core.setFaults({ lateAnswerMs: 0 });
    t.diagnostic('killed the worker with the order POST in flight');
    workerProcess = worker(taskQueue);

    const outcome = await handle.result();
    const stored = await findIntent(mongo.db, intentId);
    const positions = (await fixture.client.positions()).positions;
    assert.equal(positions.length, positionsBefore + 1, 'exactly one order');
    assert.equal(outcome.status, 'CONFIRMED', JSON.stringify(stored?.events));
    assert.equal(stored?.dealReference, undefined, 'the answer to the POST was never seen');
    const opened = positions.filter((p) => p.position.dealId === stored?.dealId || p.position.workingOrderId === stored?.dealId);
    assert.equal(opened.length, 1, 'the adopted deal is the new position');
    assert.equal(stored?.events.filter((e) => e.status === 'PLACING').length, 1, 'one POST');
  } finally {
    fixture.simulator.core.setFaults({ lateAnswerMs: 0 });
    workerProcess.kill('SIGTERM');
    await temporal.connection.close();
  }
});
