import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { selfCheck } from '../../workflows/self-check';
import { RECON_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { findSelfCheck } from '../../lib/store/self-checks';
import type { MongoHandle } from '../../lib/store/mongo';
import { openTestDatabase, startTestWorker, testStack, uniqueName, type TestStack, type TestWorkerContext } from '../helpers/stack';

describe('the embedded stack: a real workflow on the real Temporal dev server writes to the real database', () => {
  let stack: TestStack;
  let mongo: MongoHandle;
  let ctx: TestWorkerContext;

  before(async () => {
    stack = testStack();
    mongo = await openTestDatabase(stack, 'selfcheck');
    ctx = await startTestWorker(stack, mongo);
  });

  after(async () => {
    await ctx?.close();
    await mongo?.close();
  });

  test('the servers are the real Temporal dev server and a real MongoDB-wire database', async (t) => {
    const system = await ctx.client.workflowService.getSystemInfo({});
    assert.match(system.serverVersion ?? '', /^\d+\.\d+\.\d+/);
    const build = await mongo.db.admin().command({ buildInfo: 1 });
    assert.match(String(build.version), /^\d+\.\d+/);
    t.diagnostic(`Temporal server ${system.serverVersion} (${stack.temporalDescription}) at ${stack.address}`);
    t.diagnostic(`database reports MongoDB version ${build.version} (${stack.mongoDescription})`);
  });

  test('the selfCheck workflow runs its activity, which writes a document and reads it back', async () => {
    const checkId = uniqueName('check');
    const result = await ctx.client.workflow.execute<typeof selfCheck>('selfCheck', {
      taskQueue: ctx.taskQueue,
      workflowId: checkId,
      args: [{ checkId }],
    });
    assert.equal(result.roundTrip, true);
    assert.equal(result.checkId, checkId);
    assert.equal(result.workflowId, checkId);

    const stored = await findSelfCheck(mongo.db, checkId);
    assert.ok(stored, 'the document is in the database');
    assert.equal(stored.workflowId, checkId);
    assert.equal(stored.runId, result.runId);
    assert.equal(stored.writtenAt.toISOString(), result.writtenAt);

    const history = await ctx.client.workflow.getHandle(checkId).fetchHistory();
    const completed = history.events?.filter((e) => e.activityTaskCompletedEventAttributes) ?? [];
    assert.equal(completed.length, 1, 'the history records exactly one completed activity');
  });

  test('running the check again with the same id leaves one document, not two', async () => {
    const checkId = uniqueName('check');
    for (const attempt of [1, 2]) {
      await ctx.client.workflow.execute<typeof selfCheck>('selfCheck', {
        taskQueue: ctx.taskQueue,
        workflowId: `${checkId}-${attempt}`,
        args: [{ checkId }],
      });
    }
    assert.equal(await mongo.db.collection('self_checks').countDocuments({ _id: checkId as never }), 1);
    const stored = await findSelfCheck(mongo.db, checkId);
    assert.equal(stored?.workflowId, `${checkId}-2`, 'the second run updated the same document');
  });

  test('the namespace has the reconciliation search attributes registered', async () => {
    const listed = await ctx.client.connection.operatorService.listSearchAttributes({ namespace: stack.namespace });
    for (const key of RECON_SEARCH_ATTRIBUTES) {
      assert.ok(listed.customAttributes?.[key.name] !== undefined, `${key.name} is registered`);
    }
  });
});
