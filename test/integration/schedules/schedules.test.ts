import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { periodForScheduledRun, scheduledRunFor } from '../../../lib/ledger/monthly-close';
import { periodOf } from '../../../lib/ledger/windows';
import type { MongoHandle } from '../../../lib/store/mongo';
import {
  backfillMonthlySchedule,
  createMonthlySchedule,
  describeMonthlySchedule,
  monthlyScheduleId,
  triggerMonthlySchedule,
  type MonthlySchedule,
  type MonthlyScheduleListing,
  type PlannedRun,
} from '../../../lib/temporal/schedules';
import { reconcileWorkflowId } from '../../../workflows/reconcile-account-period';
import type { ScheduledReconciliationResult } from '../../../workflows/scheduled-reconciliation';
import { recon } from '../../helpers/recon-cli';
import { startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

/** A seed no other test uses, so the accounts (and their `recon:…` workflow ids) are this file's own. */
const SEED = 61;
const TRANSACTIONS_PER_MONTH = 12;
const ZONE = 'Europe/London';
const WAIT_FOR_WORKFLOW_MS = 60_000;

describe('recon schedule: monthly reconciliations as Temporal Schedules, on the real server with the simulator', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let accountId: string;
  let scheduleId: string;
  let cli: (...args: string[]) => ReturnType<typeof recon>;

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'schedules');
    fixture = await startSimulatorWithClient({ seed: SEED, transactionsPerMonth: TRANSACTIONS_PER_MONTH });
    accountId = (fixture.simulator.accounts()[0] as { accountId: string }).accountId;
    scheduleId = monthlyScheduleId(accountId);
    ctx = await startTestWorker(stack, mongo, () => fixture.client);
    cli = (...args) => recon({ TEMPORAL_ADDRESS: stack.address, TEMPORAL_NAMESPACE: stack.namespace, TEMPORAL_TASK_QUEUE: ctx.taskQueue }, ...args);
  });

  after(async () => {
    for (const id of [scheduleId, monthlyScheduleId('NO-SUCH-ACCOUNT')]) await ctx?.client.schedule.getHandle(id).delete().catch(() => undefined);
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  test('create: runs at 02:00 on the 1st in London, for the month before, with the documented policies; a second create is refused', async () => {
    const created = await cli('schedule', 'create', '--account', accountId, '--tz', ZONE, '--json');
    assert.equal(created.code, 0, created.stderr);
    const schedule = JSON.parse(created.stdout) as MonthlySchedule;
    assert.equal(schedule.scheduleId, `recon-monthly:${accountId}`);
    assert.deepEqual([schedule.accountId, schedule.dayOfMonth, schedule.hour, schedule.timeZone, schedule.taskQueue], [accountId, 1, 2, ZONE, ctx.taskQueue]);
    assert.deepEqual([schedule.overlap, schedule.catchupWindowMs, schedule.pauseOnFailure, schedule.paused], ['BUFFER_ONE', 3 * 86_400_000, true, false]);
    // The next run closes the current month: 02:00 London on the 1st of the next one.
    const currentMonth = periodOf(Date.now(), ZONE);
    assert.deepEqual(schedule.nextRuns[0], { at: new Date(scheduledRunFor(currentMonth, { dayOfMonth: 1, hour: 2, timeZone: ZONE })).toISOString(), period: currentMonth });

    const again = await cli('schedule', 'create', '--account', accountId);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`schedule recon-monthly:${accountId} already exists: see it with \`recon schedule describe`));
  });

  test('trigger: a run reconciles the previous month as recon:{account}:{period} and completes; a second one starts nothing', async () => {
    const triggered = await triggerMonthlySchedule(ctx.client, accountId, Date.now());
    assert.ok(triggered.workflowId?.startsWith(`${scheduleId}-`), `started ${triggered.workflowId}`);
    const result = await resultOf(ctx.client, triggered.workflowId as string);
    const previousMonth = periodForScheduledRun(Date.parse(result.scheduledAt), ZONE);
    assert.deepEqual(
      { period: result.period, reconcileWorkflowId: result.reconcileWorkflowId, outcome: result.outcome },
      { period: previousMonth, reconcileWorkflowId: reconcileWorkflowId(accountId, previousMonth), outcome: 'RECONCILED' },
    );
    assert.equal(triggered.period, previousMonth);
    assert.match(result.status ?? '', /^COMPLETED/);
    const reconciliation = await ctx.client.workflow.getHandle(result.reconcileWorkflowId).describe();
    assert.equal(reconciliation.status.name, 'COMPLETED');

    // The same month again (a second trigger, as after a manual `recon run`): reported, not redone.
    const second = await triggerMonthlySchedule(ctx.client, scheduleId, Date.now());
    const repeat = await resultOf(ctx.client, second.workflowId as string);
    assert.deepEqual([repeat.outcome, repeat.period, repeat.status], ['ALREADY_STARTED', previousMonth, undefined]);
    assert.equal((await ctx.client.workflow.getHandle(result.reconcileWorkflowId).describe()).runId, reconciliation.runId, 'no second reconciliation run');
  });

  test('backfill of three past months: three distinct completed reconciliations, each decided by its scheduled time', async () => {
    const planned = await backfillMonthlySchedule(ctx.client, scheduleId, { from: '2025-01', to: '2025-03', nowMs: Date.now() });
    assert.deepEqual(
      planned.map((run) => [run.period, run.scheduledAt, run.reconcileWorkflowId]),
      [
        ['2025-01', '2025-02-01T02:00:00.000Z', `recon:${accountId}:2025-01`],
        ['2025-02', '2025-03-01T02:00:00.000Z', `recon:${accountId}:2025-02`],
        ['2025-03', '2025-04-01T01:00:00.000Z', `recon:${accountId}:2025-03`],
      ],
    );
    const results = await Promise.all(planned.map((run) => resultOf(ctx.client, run.workflowId)));
    assert.deepEqual(
      results.map((r) => [r.period, r.scheduledAt, r.outcome]),
      planned.map((run) => [run.period, run.scheduledAt, 'RECONCILED']),
    );
    const reconciliations = await Promise.all(planned.map((run: PlannedRun) => ctx.client.workflow.getHandle(run.reconcileWorkflowId).describe()));
    assert.deepEqual(reconciliations.map((r) => r.status.name), ['COMPLETED', 'COMPLETED', 'COMPLETED']);
    assert.equal(new Set(reconciliations.map((r) => r.runId)).size, 3);

    const described = await describeMonthlySchedule(ctx.client, scheduleId);
    const backfilled = described.recentRuns.filter((run) => planned.some((p) => p.workflowId === run.workflowId));
    assert.deepEqual(
      backfilled.map((run) => [run.period, run.status, run.outcome, run.reconcileStatus]),
      planned.map((run) => [run.period, 'COMPLETED', 'RECONCILED', 'COMPLETED']),
    );
  });

  test('pause: describe and list show it with the note; a manual trigger still runs; unpause clears it', async () => {
    const paused = await cli('schedule', 'pause', accountId, '--note', 'broker maintenance');
    assert.equal(paused.code, 0, paused.stderr);
    const described = await cli('schedule', 'describe', scheduleId, '--json');
    const schedule = JSON.parse(described.stdout) as MonthlySchedule;
    assert.deepEqual([schedule.paused, schedule.note], [true, 'broker maintenance']);
    const human = await cli('schedule', 'describe', scheduleId);
    assert.match(human.stdout, /^State\s+paused: broker maintenance$/m);
    assert.match(human.stdout, /^Policies\s+overlap BUFFER_ONE, catch-up window 3 days, pause on failure$/m);
    assert.match(human.stdout, /Recent runs \(newest first\)\n\s+SCHEDULED\s+STARTED\s+FOR\s+STATUS\s+OUTCOME\s+RECONCILIATION\n/);

    const actionsBefore = schedule.actionsTaken;
    const triggered = await cli('schedule', 'trigger', scheduleId, '--json');
    assert.equal(triggered.code, 0, triggered.stderr);
    const run = JSON.parse(triggered.stdout) as { workflowId: string; paused: boolean };
    assert.equal(run.paused, true);
    assert.equal((await resultOf(ctx.client, run.workflowId)).outcome, 'ALREADY_STARTED');
    const afterTrigger = await describeMonthlySchedule(ctx.client, scheduleId);
    assert.deepEqual([afterTrigger.paused, afterTrigger.actionsTaken], [true, actionsBefore + 1], 'still paused; only the manual run was taken');

    const table = await cli('schedule', 'list');
    assert.match(table.stdout, /^SCHEDULE\s+ACCOUNT\s+RUNS AT\s+STATE\s+NEXT RUN\s+FOR\s+LAST RUN$/m);
    const listed = await eventually(async () => {
      const list = await cli('schedule', 'list', '--json');
      const entry = (JSON.parse(list.stdout) as MonthlyScheduleListing[]).find((s) => s.scheduleId === scheduleId);
      return entry?.paused ? entry : undefined;
    });
    assert.deepEqual([listed.accountId, listed.runTime, listed.note], [accountId, { dayOfMonth: 1, hour: 2, timeZone: ZONE }, 'broker maintenance']);

    const unpaused = await cli('schedule', 'unpause', scheduleId, '--note', 'maintenance over');
    assert.equal(unpaused.code, 0, unpaused.stderr);
    const resumed = await describeMonthlySchedule(ctx.client, scheduleId);
    assert.deepEqual([resumed.paused, resumed.note], [false, 'maintenance over']);
  });

  test('pause on failure: a run that fails pauses the schedule, so no further month runs until someone looks', async () => {
    const broken = await createMonthlySchedule(ctx.client, { accountId: 'NO-SUCH-ACCOUNT', dayOfMonth: 1, hour: 2, timeZone: ZONE, taskQueue: ctx.taskQueue, nowMs: Date.now() });
    const triggered = await triggerMonthlySchedule(ctx.client, broken.scheduleId, Date.now());
    await assert.rejects(resultOf(ctx.client, triggered.workflowId as string), (error: Error) => {
      assert.match(String((error.cause as Error | undefined)?.message), /^reconciliation recon:NO-SUCH-ACCOUNT:\d{4}-\d{2} of \d{4}-\d{2} failed$/);
      return true;
    });
    const paused = await eventually(async () => {
      const described = await describeMonthlySchedule(ctx.client, broken.scheduleId);
      return described.paused ? described : undefined;
    });
    assert.equal(paused.recentRuns.at(-1)?.status, 'FAILED');
    assert.ok(paused.note, 'Temporal says why it paused');
  });

  test('usage errors exit 2 with one sentence: --from after --to, a month that has not ended', async () => {
    const reversed = await cli('schedule', 'backfill', scheduleId, '--from', '2025-03', '--to', '2025-01');
    assert.equal(reversed.code, 2);
    assert.match(reversed.stderr, /error: the first month 2025-03 is after the last month 2025-01/);
    const thisMonth = periodOf(Date.now(), ZONE);
    const future = await cli('schedule', 'backfill', scheduleId, '--from', '2025-01', '--to', thisMonth);
    assert.equal(future.code, 2);
    assert.match(future.stderr, new RegExp(`error: ${thisMonth} has not ended yet in Europe/London; the latest month that can be reconciled is ${periodForScheduledRun(Date.now(), ZONE)}`));
    // Sydney's clocks jump over 02:00 on Sunday 1 October 2028: that September would never be reconciled.
    const skipped = await cli('schedule', 'create', '--account', 'SYDNEY-ACCOUNT', '--tz', 'Australia/Sydney');
    assert.equal(skipped.code, 2);
    assert.match(skipped.stderr, /^error: 02:00 on day 1 in Australia\/Sydney does not exist in 2028-10 \(clocks go forward\), so a month would have no run; choose another hour$/m);
    const badDay = await cli('schedule', 'create', '--account', accountId, '--day', '31');
    assert.equal(badDay.code, 2);
    assert.match(badDay.stderr, /'31' is not a day from 1 to 28/);
  });

  test('delete: the schedule is gone, and asking for it says so and what to do; the months it reconciled stay', async () => {
    const deleted = await cli('schedule', 'delete', scheduleId);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`Deleted ${scheduleId}\\.`));
    const missing = await cli('schedule', 'describe', accountId);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), `recon: there is no schedule ${scheduleId}: \`recon schedule list\` shows the existing ones, and \`recon schedule create --account <id>\` makes one.`);
    assert.equal((await ctx.client.workflow.getHandle(reconcileWorkflowId(accountId, '2025-01')).describe()).status.name, 'COMPLETED');
  });

  test('no Temporal reachable: one sentence saying where it looked and how to start it', async () => {
    const result = await recon({ TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'schedule', 'list');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^recon: cannot reach Temporal at 127\.0\.0\.1:1 \(connection refused\): start it with `recon dev` or set TEMPORAL_ADDRESS to a running server\.$/m);
  });
});

/** The scheduled workflow's result, once the schedule has started it (backfills start one after another). */
async function resultOf(client: Client, workflowId: string): Promise<ScheduledReconciliationResult> {
  await eventually(async () => {
    try {
      return await client.workflow.getHandle(workflowId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  });
  return client.workflow.getHandle(workflowId).result() as Promise<ScheduledReconciliationResult>;
}

async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_FOR_WORKFLOW_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${WAIT_FOR_WORKFLOW_MS} ms`);
    await sleep(250);
  }
}
