import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { recordTransportEvent } from '../../../lib/capital';
import { connectTemporalClient } from '../../../lib/temporal/client';
import { parseBookRecord } from '../../../lib/store/books-file';
import { ensureBookIndexes, saveBookEntries } from '../../../lib/store/books';
import type { MongoHandle } from '../../../lib/store/mongo';
import { ensureTransactionIndexes, TRANSACTIONS } from '../../../lib/store/transactions';
import { LEDGER_ENTRIES } from '../../../lib/store/reconciliation';
import { booksBetween } from '../../../simulator/data/books';
import type { reconcileAccountPeriod, ReconcileProgress } from '../../../workflows/reconcile-account-period';
import { startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { startWorkerProcess } from '../../helpers/worker-process';
import { openTestDatabase, startTestWorker, testStack, uniqueName, type TestWorkerContext } from '../../helpers/stack';

const SEED = 5;
const JANUARY = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };
const input = (accountId: string) => ({ accountId, period: '2025-01', timeZone: 'UTC' });

let fixture: SimulatorFixture;
let accountId: string;
const databases: MongoHandle[] = [];

async function seededDatabase(name: string): Promise<MongoHandle> {
  const mongo = await openTestDatabase(testStack(), name);
  databases.push(mongo);
  const account = fixture.simulator.accounts().find((a) => a.accountId === accountId)!;
  await ensureBookIndexes(mongo.db);
  await ensureTransactionIndexes(mongo.db);
  await saveBookEntries(mongo.db, [...booksBetween({ seed: SEED, account, ...JANUARY })].map(parseBookRecord));
  return mongo;
}

before(async () => {
  // Slow answers stretch the month over several seconds, so the kill lands mid-ingestion.
  fixture = await startSimulatorWithClient({ seed: SEED, faults: { slowResponseMs: 400 } });
  accountId = (fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!).accountId;
});

after(async () => {
  for (const mongo of databases) await mongo.close();
  await fixture?.close();
});

test('a worker killed with SIGKILL mid-run is replaced and the run ends exactly like an undisturbed one', async (t) => {
  // The undisturbed run, in-process.
  const cleanDb = await seededDatabase('killclean');
  const client = fixture.newClient({ onEvent: recordTransportEvent });
  const clean: TestWorkerContext = await startTestWorker(testStack(), cleanDb, () => client);
  const expected = await clean.client.workflow.execute<typeof reconcileAccountPeriod>('reconcileAccountPeriod', { taskQueue: clean.taskQueue, workflowId: uniqueName('recon-clean'), args: [input(accountId)] });
  await clean.close();

  // The disturbed run: a separate worker process, killed while ingesting, then replaced.
  const killedDb = await seededDatabase('killed');
  const taskQueue = uniqueName('recon-killed');
  let worker = startWorkerProcess({ taskQueue, database: killedDb.db.databaseName, simulator: fixture.simulator });
  const temporal = await connectTemporalClient({ address: testStack().address, namespace: testStack().namespace });
  const handle = await temporal.workflow.start<typeof reconcileAccountPeriod>('reconcileAccountPeriod', { taskQueue, workflowId: uniqueName('recon-killed'), args: [input(accountId)] });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const progress = await handle.query<ReconcileProgress>('progress').catch(() => undefined);
    if (progress?.stage === 'ingesting') break;
    assert.ok(Date.now() < deadline, 'the run reached ingestion');
    await sleep(100);
  }
  await sleep(1_500);
  worker.kill('SIGKILL');
  const stored = await killedDb.db.collection(TRANSACTIONS).countDocuments();
  t.diagnostic(`killed the worker with ${stored} transactions stored`);
  worker = startWorkerProcess({ taskQueue, database: killedDb.db.databaseName, simulator: fixture.simulator });
  try {
    const summary = await handle.result();
    assert.equal(summary.ingest.digest, expected.ingest.digest);
    assert.equal(summary.ledger.digest, expected.ledger.digest);
    assert.equal(summary.reconciliation.digest, expected.reconciliation.digest);
    assert.deepEqual(summary.reconciliation.exceptionsByKind, expected.reconciliation.exceptionsByKind);
    assert.equal(await killedDb.db.collection(TRANSACTIONS).countDocuments(), expected.ingest.rows, 'no duplicate, nothing missing');
    assert.equal(await killedDb.db.collection(LEDGER_ENTRIES).countDocuments(), expected.ledger.posted);
  } finally {
    worker.kill('SIGTERM');
    await temporal.connection.close();
  }
});
