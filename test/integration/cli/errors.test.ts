import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { projectRoot } from '../../../lib/devstack/paths';
import { findFreePort } from '../../../lib/devstack/ports';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import type { reconcileAccountPeriod } from '../../../workflows/reconcile-account-period';
import { reconcileWorkflowId } from '../../../workflows/reconcile-account-period';
import { recon } from '../../helpers/recon-cli';
import { startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, uniqueName, type TestWorkerContext } from '../../helpers/stack';

/** stderr holds exactly one line: the sentence the user reads. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  return lines[0] as string;
}

describe('errors a user can hit: one sentence and what to do', () => {
  test('no Temporal reachable: exit 1, at once, naming the address and the fix', async () => {
    const address = `127.0.0.1:${await findFreePort()}`;
    const started = Date.now();
    const result = await recon({ TEMPORAL_ADDRESS: address }, 'status', 'recon:1:2025-01');
    assert.equal(result.code, 1);
    assert.equal(oneLine(result.stderr), `recon: cannot reach Temporal at ${address} (connection refused): start it with \`recon dev\` or set TEMPORAL_ADDRESS to a running server.`);
    // A refused port is known at once: no waiting for gRPC's connect deadline.
    assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`);
  });

  test('no database reachable: exit 1, the host without credentials', async () => {
    const port = await findFreePort();
    const result = await recon({ MONGODB_URI: `mongodb://ops:hunter2-secret@127.0.0.1:${port}/` }, 'balances', 'list', '--account', '1');
    assert.equal(result.code, 1);
    assert.equal(oneLine(result.stderr), `recon: cannot reach the database at mongodb://127.0.0.1:${port} (connection refused): start it with \`recon dev\` or set MONGODB_URI to a running server.`);
  });

  test('a period in the future: exit 2 before anything starts', async () => {
    const result = await recon({}, 'run', '--account', '1', '--period', '2999-01', '--tz', 'Europe/London');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: 2999-01 has not started yet in Europe\/London: reconcile a month that has begun/);
  });

  test('`recon … | head` stops quietly with exit 0', async () => {
    const child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'recon.js'), 'config'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Like `head -1`: read the first chunk, then close the pipe.
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  });
});

describe('errors of runs, against the real stack', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'cli_errors');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: 5, transactionsPerMonth: 50 });
    ctx = await startTestWorker(stack, mongo, () => fixture.client);
    env = { TEMPORAL_TASK_QUEUE: ctx.taskQueue, MONGODB_DB: mongo.db.databaseName, RECON_STATEMENTS_DIR: ctx.statementsDir };
  });

  after(async () => {
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  test('an unknown account: `run --follow` and `status` say the broker does not know it', async () => {
    const account = uniqueName('nobody');
    const workflowId = reconcileWorkflowId(account, '2025-01');
    const run = await recon(env, 'run', '--account', account, '--period', '2025-01', '--follow');
    assert.equal(run.code, 1, run.stderr);
    const known = fixture.simulator.accounts().map((a) => a.accountId).join(', ');
    const expected = `run ${workflowId} failed: account ${account} is not among the accounts this API key sees (${known}): check --account, or the Capital.com credentials the workers use; once fixed, run the month again with \`recon run … --rerun\`.`;
    assert.ok(run.stderr.trim().endsWith(`recon: ${expected}`), run.stderr);

    const status = await recon(env, 'status', workflowId);
    assert.equal(status.code, 1);
    const [state, reason] = status.stdout.trim().split('\n');
    assert.match(state ?? '', new RegExp(`^${workflowId}: failed`));
    assert.equal(reason, expected);
    const json = await recon(env, 'status', workflowId, '--json');
    const parsed = JSON.parse(json.stdout) as { state: string; failure: { explanation: string; cause: { type: string } } };
    assert.equal(parsed.state, 'FAILED');
    assert.equal(parsed.failure.cause.type, 'UnknownAccount');
    assert.equal(parsed.failure.explanation, expected);
  });

  test('a run already in progress: says so and how to follow it', async () => {
    const account = uniqueName('busy');
    const workflowId = reconcileWorkflowId(account, '2025-01');
    // Started on a queue nobody serves: it stays running for as long as the test needs.
    const handle = await ctx.client.workflow.start<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
      taskQueue: uniqueName('nobody-serves'),
      workflowId,
      args: [{ accountId: account, period: '2025-01', timeZone: 'UTC' }],
    });
    try {
      const result = await recon(env, 'run', '--account', account, '--period', '2025-01');
      assert.equal(result.code, 1);
      assert.equal(oneLine(result.stderr), `recon: ${account} 2025-01 is being reconciled right now (workflow ${workflowId}): follow it with \`recon status ${workflowId}\`; a second run would only repeat it.`);
    } finally {
      await handle.terminate('test over');
    }
  });
});
