import { type Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../lib/config';
import { DAY_OF_MONTH_MAX, describeRunTime, periodsFromTo } from '../lib/ledger/monthly-close';
import { checkTimeZone, PeriodError } from '../lib/ledger/windows';
import {
  backfillMonthlySchedule,
  CATCHUP_WINDOW,
  createMonthlySchedule,
  deleteMonthlySchedule,
  describeMonthlySchedule,
  listMonthlySchedules,
  monthlyScheduleId,
  pauseMonthlySchedule,
  ScheduleRequestError,
  triggerMonthlySchedule,
  unpauseMonthlySchedule,
  type MonthlySchedule,
} from '../lib/temporal/schedules';
import { usageError, UserError } from './errors';
import { connectTemporal } from './connections';
import { alignedRows, printJson, printTable } from './table';
import { parsePeriod, parsePositiveInt } from './parse';

const SCHEDULE_ARGUMENT = 'the schedule id (recon-monthly:{account}) or just the account id';

/** `recon schedule …`: monthly reconciliations as Temporal Schedules (see docs/schedules.md). */
export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Monthly reconciliations as Temporal Schedules: one per account, id recon-monthly:{account} (docs/schedules.md)')
    .addHelpText('after', `\nEach run reconciles the calendar month before its scheduled time, in the schedule's zone, as recon:{account}:{period}.\nPolicies: overlap BUFFER_ONE, catch-up window ${CATCHUP_WINDOW}, pause on failure. Backfills run one month after another (BUFFER_ALL).`);

  schedule
    .command('create')
    .description('Create the monthly schedule of an account: each run reconciles the previous calendar month')
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--day <n>', `day of the month to run on, 1-${DAY_OF_MONTH_MAX} (on days 1-7 each run's own balance snapshot can prove the roll-forward)`, parseDayOfMonth, 1)
    .option('--hour <n>', 'local hour to run at, 0-23', parseHour, 2)
    .option('--tz <zone>', "the account's IANA time zone: runs happen and months are cut in it (same meaning as in recon run)", parseTimeZone, 'UTC')
    .option('--window-hours <n>', 'ingestion window size of the runs (default 24)', parsePositiveInt)
    .option('--note <text>', 'a note kept on the schedule')
    .option('--json', 'print the schedule as JSON')
    .addHelpText('after', '\nCreates recon-monthly:{account}; runs go to TEMPORAL_TASK_QUEUE. A local time that DST skips or repeats is refused.\nExample: recon schedule create --account 123456 --tz Europe/London   (02:00 London on the 1st)')
    .action((options: { account: string; day: number; hour: number; tz: string; windowHours?: number; note?: string; json?: boolean }, command: Command) =>
      withTemporal(command, async (client, taskQueue) => {
        const created = await createMonthlySchedule(client, {
          accountId: options.account,
          dayOfMonth: options.day,
          hour: options.hour,
          timeZone: options.tz,
          taskQueue,
          nowMs: Date.now(),
          ...(options.windowHours ? { windowHours: options.windowHours } : {}),
          ...(options.note ? { note: options.note } : {}),
        });
        if (options.json) return printJson(created);
        const next = created.nextRuns[0];
        console.log(`Created ${created.scheduleId}: ${describeRunTime(created)}, each run reconciles the month before.`);
        if (next) console.log(`First run ${shortTime(next.at)}, for ${next.period}. See it with \`recon schedule describe ${created.scheduleId}\`.`);
        if (created.dayOfMonth > 7) console.log(`Note: runs more than 7 days after the month end cannot prove the roll-forward with their own balance snapshot; schedule \`recon balances capture --account ${created.accountId}\` at month ends (docs/schedules.md).`);
      }),
    );

  schedule
    .command('list')
    .description('List the monthly reconciliation schedules with their state and next run')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }, command: Command) =>
      withTemporal(command, async (client) => {
        const schedules = await listMonthlySchedules(client);
        if (options.json) return printJson(schedules);
        if (schedules.length === 0) return console.log('No monthly schedules. Create one with `recon schedule create --account <id>`.');
        printTable(
          ['SCHEDULE', 'ACCOUNT', 'RUNS AT', 'STATE', 'NEXT RUN', 'FOR', 'LAST RUN'],
          schedules.map((s) => [s.scheduleId, s.accountId ?? '?', s.runTime ? describeRunTime(s.runTime) : '?', s.paused ? 'paused' : 'active', (s.nextRun ? shortTime(s.nextRun.at) : '-'), s.nextRun?.period ?? '-', (s.lastRun ? shortTime(s.lastRun.scheduledAt) : '-')]),
        );
      }),
    );

  schedule
    .command('describe')
    .argument('<schedule>', SCHEDULE_ARGUMENT)
    .description('A schedule: when it runs, its policies and state, its next runs and its recent runs with their status')
    .option('--json', 'print as JSON')
    .action((id: string, options: { json?: boolean }, command: Command) =>
      withTemporal(command, async (client) => {
        const described = await describeMonthlySchedule(client, id);
        if (options.json) return printJson(described);
        console.log(formatSchedule(described));
      }),
    );

  schedule
    .command('pause')
    .argument('<schedule>', SCHEDULE_ARGUMENT)
    .description('Stop taking scheduled runs until unpaused (months skipped meanwhile are not caught up: backfill them); trigger and backfill still run')
    .option('--note <text>', 'why, kept on the schedule and shown by describe', 'paused with recon schedule pause')
    .action((id: string, options: { note: string }, command: Command) =>
      withTemporal(command, async (client) => {
        await pauseMonthlySchedule(client, id, options.note);
        console.log(`Paused ${monthlyScheduleId(id)}: ${options.note}. Resume with \`recon schedule unpause ${monthlyScheduleId(id)}\`.`);
      }),
    );

  schedule
    .command('unpause')
    .argument('<schedule>', SCHEDULE_ARGUMENT)
    .description('Resume taking scheduled runs (after pause, or after a failed run paused it)')
    .option('--note <text>', 'why, kept on the schedule and shown by describe', 'unpaused with recon schedule unpause')
    .action((id: string, options: { note: string }, command: Command) =>
      withTemporal(command, async (client) => {
        await unpauseMonthlySchedule(client, id, options.note);
        console.log(`Unpaused ${monthlyScheduleId(id)}: ${options.note}.`);
      }),
    );

  schedule
    .command('trigger')
    .argument('<schedule>', SCHEDULE_ARGUMENT)
    .description("Run now (or right after a run in progress): reconciles the month before now in the schedule's zone; runs even if the schedule is paused")
    .option('--json', 'print the run as JSON')
    .action((id: string, options: { json?: boolean }, command: Command) =>
      withTemporal(command, async (client) => {
        const run = await triggerMonthlySchedule(client, id, Date.now());
        if (options.json) return printJson(run);
        const started = run.workflowId ? `Started ${run.workflowId}` : 'Queued behind the run in progress';
        console.log(`${started}: it reconciles ${run.period} as ${run.reconcileWorkflowId}. Follow it with \`recon schedule describe ${run.scheduleId}\` or \`recon status ${run.reconcileWorkflowId}\`.`);
        if (run.paused) console.log('The schedule is paused: this manual run happens anyway; scheduled runs stay off until `recon schedule unpause`.');
      }),
    )
    .addHelpText('after', `\nA month reconciled before (a manual run, an earlier trigger) is not redone: the run reports ALREADY_STARTED.`);

  schedule
    .command('backfill')
    .argument('<schedule>', SCHEDULE_ARGUMENT)
    .description('Take the scheduled run of each past month from --from to --to, one after another; prints the workflows it starts')
    .requiredOption('--from <YYYY-MM>', 'the first month to reconcile', parsePeriod)
    .requiredOption('--to <YYYY-MM>', 'the last month to reconcile (it must have ended)', parsePeriod)
    .option('--json', 'print the runs as JSON')
    .action((id: string, options: { from: string; to: string; json?: boolean }, command: Command) => {
      try {
        periodsFromTo(options.from, options.to);
      } catch (error) {
        if (error instanceof PeriodError) usageError(command, error.message);
        throw error;
      }
      return withTemporal(command, async (client) => {
        const runs = await backfillMonthlySchedule(client, id, { from: options.from, to: options.to, nowMs: Date.now() });
        if (options.json) return printJson(runs);
        console.log(`Backfilling ${monthlyScheduleId(id)}: ${runs.length} month${runs.length === 1 ? '' : 's'}, run one after another:`);
        printTable(['PERIOD', 'SCHEDULED AS', 'WORKFLOW', 'RECONCILIATION'], runs.map((r) => [r.period, shortTime(r.scheduledAt), r.workflowId, r.reconcileWorkflowId]));
        console.log(`Months reconciled before are reported as ALREADY_STARTED, not redone. Follow them with \`recon schedule describe ${monthlyScheduleId(id)}\`.`);
      });
    });

  schedule
    .command('delete')
    .argument('<schedule>', SCHEDULE_ARGUMENT)
    .description('Delete a schedule; runs already started carry on, and reconciled months stay as they are')
    .action((id: string, _options: unknown, command: Command) =>
      withTemporal(command, async (client) => {
        await deleteMonthlySchedule(client, id);
        console.log(`Deleted ${monthlyScheduleId(id)}.`);
      }),
    );
}

/** Connects, runs `work`, closes; turns the errors a user can act on into one sentence each. */
async function withTemporal(command: Command, work: (client: Client, taskQueue: string) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const client = await connectTemporal(config);
  try {
    await work(client, config.temporal.taskQueue);
  } catch (error) {
    if (error instanceof ScheduleRequestError) throw new UserError(adviceFor(error));
    // Input refused once the schedule is known (a month that has not ended in its zone, an hour DST skips).
    if (error instanceof PeriodError) usageError(command, error.message);
    throw error;
  } finally {
    await client.connection.close();
  }
}

function adviceFor(error: ScheduleRequestError): string {
  if (error.code === 'NOT_FOUND') return `${error.message}: \`recon schedule list\` shows the existing ones, and \`recon schedule create --account <id>\` makes one.`;
  return `${error.message}: see it with \`recon schedule describe ${error.scheduleId}\`, or \`recon schedule delete ${error.scheduleId}\` first to create it anew.`;
}

function parseDayOfMonth(value: string): number {
  const day = Number(value);
  if (!Number.isInteger(day) || day < 1 || day > DAY_OF_MONTH_MAX) throw new InvalidArgumentError(`'${value}' is not a day from 1 to ${DAY_OF_MONTH_MAX} (every month has those)`);
  return day;
}

function parseHour(value: string): number {
  const hour = Number(value);
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new InvalidArgumentError(`'${value}' is not an hour from 0 to 23`);
  return hour;
}

function parseTimeZone(value: string): string {
  try {
    return checkTimeZone(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}


function formatSchedule(s: MonthlySchedule): string {
  const details = alignedRows([
    ['Schedule', s.scheduleId],
    ['Account', s.accountId],
    ['Runs', `${describeRunTime(s)}, reconciling the month before${s.windowHours ? ` (${s.windowHours} h windows)` : ''}`],
    ['State', s.paused ? `paused: ${s.note ?? ''}` : `active${s.note ? ` (${s.note})` : ''}`],
    ['Policies', `overlap ${s.overlap}, catch-up window ${formatDuration(s.catchupWindowMs)}, ${s.pauseOnFailure ? 'pause on failure' : 'keep going on failure'}`],
    ['Task queue', s.taskQueue],
    ['Actions', `${s.actionsTaken} taken, ${s.actionsMissedCatchupWindow} missed (outside the catch-up window), ${s.actionsSkippedOverlap} skipped (overlap)`],
    ['Running', s.runningWorkflowIds.length ? s.runningWorkflowIds.join(', ') : 'none'],
  ]);
  const next = s.nextRuns.length ? alignedRows([['AT', 'FOR'], ...s.nextRuns.map((r) => [shortTime(r.at), r.period])]) : ['none'];
  const recent = s.recentRuns.length
    ? alignedRows([
        ['SCHEDULED', 'STARTED', 'FOR', 'STATUS', 'OUTCOME', 'RECONCILIATION'],
        ...[...s.recentRuns].reverse().map((r) => [shortTime(r.scheduledAt), shortTime(r.startedAt), r.period ?? '-', r.status, r.outcome ?? '-', r.reconcileWorkflowId ? `${r.reconcileWorkflowId} ${r.reconcileStatus ?? ''}`.trim() : '-']),
      ])
    : ['none yet'];
  return [...details, '', 'Next runs', ...next.map((line) => `  ${line}`), '', 'Recent runs (newest first)', ...recent.map((line) => `  ${line}`)].join('\n');
}

/** ISO UTC to the second: what a reader compares, without the milliseconds. */
function shortTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

function formatDuration(ms: number): string {
  const days = ms / 86_400_000;
  if (Number.isInteger(days)) return `${days} day${days === 1 ? '' : 's'}`;
  const hours = ms / 3_600_000;
  return Number.isInteger(hours) ? `${hours} h` : `${Math.round(ms / 1000)} s`;
}
