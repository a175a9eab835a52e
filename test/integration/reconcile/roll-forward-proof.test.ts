import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { recordTransportEvent } from '../../../lib/capital';
import { canonical } from '../../../lib/money';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { exceptionsOfRun } from '../../../lib/store/reconciliation';
import { balanceAt } from '../../../simulator/data/transactions';
import type { reconcileAccountPeriod, ReconcileSummary } from '../../../workflows/reconcile-account-period';
import { reconcileWorkflowId } from '../../../workflows/reconcile-account-period';
import { startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

const SEED = 3;
const month = (m: number) => Date.UTC(2025, m, 1);
/** Monthly runs start two minutes after midnight on the 1st, as a schedule would. */
const runTime = (m: number) => month(m) + 120_000;

/**
 * A schedule reconciles each month on the 1st of the next. Every run keeps the broker's balance,
 * so from the second month on, the opening and the closing come from two different snapshots.
 */
describe('the cash roll-forward is proved against broker balance snapshots', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let accountId: string;

  const runMonth = async (period: string, attempt?: number, dryRun = false): Promise<ReconcileSummary> =>
    ctx.client.workflow.execute<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
      taskQueue: ctx.taskQueue,
      workflowId: reconcileWorkflowId(accountId, period, attempt),
      args: [{ accountId, period, timeZone: 'UTC', dryRun }],
    });
  const setClock = (atMs: number) => {
    fixture.simulator.core.clock.freeze(atMs);
    fixture.simulator.core.clock.unfreeze();
  };
  const balance = (atMs: number) => canonical(balanceAt({ seed: SEED, account: fixture.simulator.accounts().find((a) => a.accountId === accountId)!, atMs }));

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'rollforward');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: SEED, transactionsPerMonth: 400 });
    accountId = (fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!).accountId;
    const client = fixture.newClient({ onEvent: recordTransportEvent });
    ctx = await startTestWorker(stack, mongo, () => client);
  });

  after(async () => {
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  test('the first month has no opening snapshot: not proved, said why, and recorded as an exception', async () => {
    setClock(runTime(1));
    const january = await runMonth('2025-01');
    const r = january.rollForward;
    assert.equal(r.status, 'UNPROVEN');
    assert.match(r.reasons.join(' '), /period's start 2025-01-01T00:00:00.000Z/);
    assert.equal(r.closing, balance(month(1)));
    assert.equal(r.openingDerived, true);
    assert.equal(january.status, 'COMPLETED_WITH_EXCEPTIONS');
    const kinds = (await exceptionsOfRun(mongo.db, january.runId).toArray()).map((e) => e.kind);
    assert.ok(kinds.includes('ROLL_FORWARD_UNPROVEN'), kinds.join(','));
  });

  test("the next month opens on the previous run's snapshot and closes on its own: proved to the cent", async () => {
    setClock(runTime(2));
    const february = await runMonth('2025-02');
    const r = february.rollForward;
    assert.equal(r.status, 'PROVEN', r.reasons.join('; '));
    assert.equal(r.opening, balance(month(1)));
    assert.equal(r.closing, balance(month(2)));
    assert.equal(r.computedClosing, r.closing);
    assert.equal(r.difference, '0');
    assert.equal(r.openingDerived, false);
    assert.ok(r.anchors.opening && r.anchors.closing && r.anchors.opening.snapshotId !== r.anchors.closing.snapshotId);
    // The opening snapshot was taken two minutes into February: its bridge lies inside the period.
    assert.equal(r.anchors.opening.bridge.from, '2025-02-01T00:00:00.000Z');
    const kinds = (await exceptionsOfRun(mongo.db, february.runId).toArray()).map((e) => e.kind);
    assert.ok(!kinds.some((k) => k.startsWith('ROLL_FORWARD')), kinds.join(','));
  });

  test('money that arrives without a transaction row is caught as a roll-forward difference', async () => {
    setClock(runTime(2) + 3_600_000);
    await fixture.client.topUp(250.5);
    setClock(runTime(3));
    const march = await runMonth('2025-03');
    const r = march.rollForward;
    assert.equal(r.status, 'DIFFERENCE');
    assert.equal(r.difference, '250.5');
    const stored = (await exceptionsOfRun(mongo.db, march.runId).toArray()).find((e) => e.kind === 'ROLL_FORWARD_DIFFERENCE');
    assert.ok(stored, 'the difference is stored as an exception');
    assert.match(stored.reason, /by 250\.5$/);
    assert.equal(stored.rule, 'roll-forward@1');

    // A dry run computes the same proof and writes no exception.
    const dry = await runMonth('2025-03', 1, true);
    assert.deepEqual(dry.rollForward, r);
    assert.equal((await exceptionsOfRun(mongo.db, dry.runId).toArray()).length, 0);
  });
});
