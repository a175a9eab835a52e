import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { recordTransportEvent } from '../../../lib/capital';
import type { MongoHandle } from '../../../lib/store/mongo';
import { POSTING_QUARANTINE } from '../../../lib/store/reconciliation';
import { transactionsBetween } from '../../../simulator/data/transactions';
import type { reconcileAccountPeriod } from '../../../workflows/reconcile-account-period';
import { ReconExceptionCount } from '../../../workflows/search-attributes';
import { startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, uniqueName, type TestWorkerContext } from '../../helpers/stack';

const SEED = 9;
const OPTIONS = { unknownTypes: ['MYSTERY_FEE'] };
const JANUARY = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };

let mongo: MongoHandle;
let fixture: SimulatorFixture;
let ctx: TestWorkerContext;

before(async () => {
  mongo = await openTestDatabase(testStack(), 'unknown');
  fixture = await startSimulatorWithClient({ seed: SEED, transactionsPerMonth: 20_000, transactionOptions: OPTIONS });
  const client = fixture.newClient({ onEvent: recordTransportEvent });
  ctx = await startTestWorker(testStack(), mongo, () => client);
});

after(async () => {
  await ctx?.close();
  await fixture?.close();
  await mongo?.close();
});

test('a transaction type nobody documented is kept, quarantined from the ledger with a reason, and counted', async () => {
  const account = fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!;
  const mystery = [...transactionsBetween({ seed: SEED, account, ...JANUARY, options: OPTIONS })].filter((r) => r.transactionType === 'MYSTERY_FEE');
  assert.ok(mystery.length > 0, 'the simulator injected some');

  const handle = await ctx.client.workflow.start<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
    taskQueue: ctx.taskQueue,
    workflowId: uniqueName('recon-unknown'),
    args: [{ accountId: account.accountId, period: '2025-01', timeZone: 'UTC' }],
  });
  const summary = await handle.result();
  assert.equal(summary.ledger.quarantined, mystery.length);
  assert.equal(summary.ledger.posted + summary.ledger.quarantined, summary.ingest.rows, 'nothing dropped');
  assert.equal(summary.status, 'COMPLETED_WITH_EXCEPTIONS');

  const quarantined = await mongo.db.collection(POSTING_QUARANTINE).find({ transactionType: 'MYSTERY_FEE' }).toArray();
  assert.deepEqual(quarantined.map((q) => q.key).sort(), mystery.map((r) => `capital:${account.accountId}:${r.reference}:MYSTERY_FEE:0`).sort());
  assert.match(String(quarantined[0]?.reason), /MYSTERY_FEE/);
  const counted = (await handle.describe()).typedSearchAttributes.get(ReconExceptionCount);
  assert.ok((counted ?? 0) >= mystery.length, 'the exception count includes them');
});
