/**
 * Monthly reconciliation schedules on Temporal: one Schedule per account, id
 * `recon-monthly:{accountId}`, starting the `scheduledReconciliation` workflow, which reconciles
 * the calendar month before its scheduled time. Used by `recon schedule …`; an HTTP API can call
 * the same functions (errors: `ScheduleRequestError` for a missing or existing schedule,
 * `PeriodError` for input it refuses).
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, WorkflowNotFoundError, type Client, type ScheduleDescription, type ScheduleExecutionResult, type ScheduleHandle } from '@temporalio/client';
import { checkRunTime, periodForScheduledRun, planBackfill, type MonthlyRunTime } from '../ledger/monthly-close';
import { reconcileWorkflowId } from '../../workflows/reconcile-account-period';
import type { ScheduledReconciliationInput, ScheduledReconciliationResult, scheduledReconciliation } from '../../workflows/scheduled-reconciliation';

export const MONTHLY_SCHEDULE_PREFIX = 'recon-monthly:';
export const SCHEDULED_WORKFLOW_TYPE = 'scheduledReconciliation';
/**
 * Runs missed while Temporal was unavailable are still taken if Temporal is back within this long:
 * a monthly close missed over a long weekend still happens; after a longer outage, backfill.
 */
export const CATCHUP_WINDOW = '3 days';
/** A run still going when the next is due (a slow month): the next waits, at most one waits. */
export const SCHEDULE_OVERLAP = 'BUFFER_ONE';
/** Backfilled months (and triggers) queue up and run one after another: none is dropped. */
export const BACKFILL_OVERLAP = 'BUFFER_ALL';
/** Schedules read by `listMonthlySchedules`: far more accounts than we expect, and a bound. */
const SCHEDULES_LISTED_MAX = 10_000;
const UPCOMING_RUNS_SHOWN = 3;
const TRIGGER_SEEN_WAIT_MS = 5_000;
const TRIGGER_POLL_MS = 250;

export class ScheduleRequestError extends Error {
  override name = 'ScheduleRequestError';
  constructor(
    message: string,
    readonly code: 'NOT_FOUND' | 'ALREADY_EXISTS',
    readonly scheduleId: string,
  ) {
    super(message);
  }
}

export interface MonthlyScheduleSettings extends MonthlyRunTime {
  accountId: string;
  windowHours?: number;
}

export interface UpcomingRun {
  at: string;
  period: string;
}

export interface ScheduleRun {
  /** The time the run stands for (which decides its month) and when it was actually started. */
  scheduledAt: string;
  startedAt: string;
  workflowId: string;
  runId: string;
  /** The scheduled workflow's status: RUNNING, COMPLETED, FAILED, … (UNKNOWN once past retention). */
  status: string;
  period?: string;
  reconcileWorkflowId?: string;
  outcome?: ScheduledReconciliationResult['outcome'];
  /** Status of the month's reconciliation workflow (also when another run started it). */
  reconcileStatus?: string;
}

export interface MonthlySchedule extends MonthlyScheduleSettings {
  scheduleId: string;
  taskQueue: string;
  paused: boolean;
  note?: string;
  overlap: string;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  nextRuns: UpcomingRun[];
  recentRuns: ScheduleRun[];
  runningWorkflowIds: string[];
  actionsTaken: number;
  actionsMissedCatchupWindow: number;
  actionsSkippedOverlap: number;
  createdAt: string;
}

export interface MonthlyScheduleListing {
  scheduleId: string;
  accountId?: string;
  runTime?: MonthlyRunTime;
  paused: boolean;
  note?: string;
  nextRun?: UpcomingRun;
  lastRun?: { scheduledAt: string; workflowId: string };
}

export interface PlannedRun {
  period: string;
  scheduledAt: string;
  /** The id Temporal gives the scheduled workflow: the action's id plus its scheduled time. */
  workflowId: string;
  reconcileWorkflowId: string;
}

/** `recon-monthly:{accountId}`; an id that already has the prefix is kept. */
export function monthlyScheduleId(accountIdOrScheduleId: string): string {
  return accountIdOrScheduleId.startsWith(MONTHLY_SCHEDULE_PREFIX) ? accountIdOrScheduleId : `${MONTHLY_SCHEDULE_PREFIX}${accountIdOrScheduleId}`;
}

/** Temporal names a scheduled workflow `{action workflow id}-{scheduled time, RFC 3339 UTC, whole seconds}`. */
export function scheduledWorkflowId(scheduleId: string, scheduledAtMs: number): string {
  return `${scheduleId}-${new Date(Math.floor(scheduledAtMs / 1000) * 1000).toISOString().replace('.000Z', 'Z')}`;
}

export async function createMonthlySchedule(client: Client, settings: MonthlyScheduleSettings & { taskQueue: string; note?: string; nowMs: number }): Promise<MonthlySchedule> {
  const runTime = checkRunTime(settings, settings.nowMs);
  const scheduleId = monthlyScheduleId(settings.accountId);
  const input: ScheduledReconciliationInput = { accountId: settings.accountId, timeZone: runTime.timeZone, ...(settings.windowHours ? { windowHours: settings.windowHours } : {}) };
  try {
    await client.schedule.create<typeof scheduledReconciliation>({
      scheduleId,
      spec: { calendars: [{ dayOfMonth: runTime.dayOfMonth, hour: runTime.hour, minute: 0, second: 0 }], timezone: runTime.timeZone },
      action: { type: 'startWorkflow', workflowType: SCHEDULED_WORKFLOW_TYPE, workflowId: scheduleId, taskQueue: settings.taskQueue, args: [input] },
      policies: { overlap: SCHEDULE_OVERLAP, catchupWindow: CATCHUP_WINDOW, pauseOnFailure: true },
      // Listing shows what a schedule is without reading each one's action.
      memo: { accountId: settings.accountId, dayOfMonth: runTime.dayOfMonth, hour: runTime.hour, timeZone: runTime.timeZone },
      ...(settings.note ? { state: { note: settings.note } } : {}),
    });
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) {
      throw new ScheduleRequestError(`schedule ${scheduleId} already exists`, 'ALREADY_EXISTS', scheduleId);
    }
    throw error;
  }
  return describeMonthlySchedule(client, scheduleId);
}

export async function describeMonthlySchedule(client: Client, id: string): Promise<MonthlySchedule> {
  const handle = client.schedule.getHandle(monthlyScheduleId(id));
  const description = await found(handle, () => handle.describe());
  const settings = settingsOf(description);
  return {
    scheduleId: description.scheduleId,
    ...settings,
    taskQueue: description.action.taskQueue ?? '',
    paused: description.state.paused,
    ...(description.state.note ? { note: description.state.note } : {}),
    // Unset means the server default, SKIP.
    overlap: description.policies.overlap ?? 'SKIP',
    catchupWindowMs: description.policies.catchupWindow,
    pauseOnFailure: description.policies.pauseOnFailure,
    nextRuns: description.info.nextActionTimes.slice(0, UPCOMING_RUNS_SHOWN).map((at) => upcoming(at, settings.timeZone)),
    recentRuns: await Promise.all(description.info.recentActions.map((action) => describeRun(client, action))),
    runningWorkflowIds: description.info.runningActions.map((action) => action.workflow.workflowId),
    actionsTaken: description.info.numActionsTaken,
    actionsMissedCatchupWindow: description.info.numActionsMissedCatchupWindow,
    actionsSkippedOverlap: description.info.numActionsSkippedOverlap,
    createdAt: description.info.createdAt.toISOString(),
  };
}

/** Every monthly reconciliation schedule in the namespace, by id. Listing is eventually consistent. */
export async function listMonthlySchedules(client: Client): Promise<MonthlyScheduleListing[]> {
  const listed: MonthlyScheduleListing[] = [];
  let seen = 0;
  for await (const summary of client.schedule.list()) {
    if (++seen > SCHEDULES_LISTED_MAX) break;
    if (!summary.scheduleId.startsWith(MONTHLY_SCHEDULE_PREFIX)) continue;
    const memo = (summary.memo ?? {}) as Partial<MonthlyScheduleSettings>;
    const runTime = memo.timeZone !== undefined && memo.dayOfMonth !== undefined && memo.hour !== undefined ? { dayOfMonth: memo.dayOfMonth, hour: memo.hour, timeZone: memo.timeZone } : undefined;
    const next = summary.info.nextActionTimes[0];
    const last = summary.info.recentActions.at(-1);
    listed.push({
      scheduleId: summary.scheduleId,
      ...(memo.accountId ? { accountId: memo.accountId } : {}),
      ...(runTime ? { runTime } : {}),
      paused: summary.state.paused,
      ...(summary.state.note ? { note: summary.state.note } : {}),
      ...(next && runTime ? { nextRun: upcoming(next, runTime.timeZone) } : {}),
      ...(last ? { lastRun: { scheduledAt: last.scheduledAt.toISOString(), workflowId: last.action.workflow.workflowId } } : {}),
    });
  }
  return listed.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

export async function pauseMonthlySchedule(client: Client, id: string, note: string): Promise<void> {
  const handle = client.schedule.getHandle(monthlyScheduleId(id));
  await found(handle, () => handle.pause(note));
}

export async function unpauseMonthlySchedule(client: Client, id: string, note: string): Promise<void> {
  const handle = client.schedule.getHandle(monthlyScheduleId(id));
  await found(handle, () => handle.unpause(note));
}

export async function deleteMonthlySchedule(client: Client, id: string): Promise<void> {
  const handle = client.schedule.getHandle(monthlyScheduleId(id));
  await found(handle, () => handle.delete());
}

export interface TriggeredRun {
  scheduleId: string;
  /** The month a run triggered now reconciles. */
  period: string;
  reconcileWorkflowId: string;
  /** Triggers run even on a paused schedule; the caller may want to say so. */
  paused: boolean;
  /** The started workflow, once the schedule reports it (within a second, unless it waits for a run in progress). */
  workflowId?: string;
}

/**
 * Runs the schedule's action now, or right after the run in progress (overlap BUFFER_ALL: a
 * trigger is never dropped). Not ALLOW_ALL: Temporal does not follow such runs, so their failure
 * would not pause the schedule.
 */
export async function triggerMonthlySchedule(client: Client, id: string, nowMs: number): Promise<TriggeredRun> {
  const handle = client.schedule.getHandle(monthlyScheduleId(id));
  const before = await found(handle, () => handle.describe());
  const { accountId, timeZone } = settingsOf(before);
  const known = new Set(before.info.recentActions.map((action) => action.action.workflow.workflowId));
  await found(handle, () => handle.trigger(BACKFILL_OVERLAP));
  const period = periodForScheduledRun(nowMs, timeZone);
  const triggered: TriggeredRun = { scheduleId: handle.scheduleId, period, reconcileWorkflowId: reconcileWorkflowId(accountId, period), paused: before.state.paused };
  for (let waitedMs = 0; waitedMs < TRIGGER_SEEN_WAIT_MS; waitedMs += TRIGGER_POLL_MS) {
    const started = (await handle.describe()).info.recentActions.find((action) => !known.has(action.action.workflow.workflowId));
    if (started) {
      // The time the server stamped on the run decides its month (it matters only at a month's turn).
      const startedPeriod = periodForScheduledRun(started.scheduledAt.getTime(), timeZone);
      return { ...triggered, period: startedPeriod, reconcileWorkflowId: reconcileWorkflowId(accountId, startedPeriod), workflowId: started.action.workflow.workflowId };
    }
    await new Promise((resolve) => setTimeout(resolve, TRIGGER_POLL_MS));
  }
  return triggered;
}

/**
 * Takes the schedule's run for every month from `from` to `to` (months that have ended), as if
 * their times came now, one after another (overlap BUFFER_ALL). Returns the runs it asked for,
 * with the ids Temporal gives them; they start over the next minutes, in order.
 */
export async function backfillMonthlySchedule(client: Client, id: string, range: { from: string; to: string; nowMs: number }): Promise<PlannedRun[]> {
  const handle = client.schedule.getHandle(monthlyScheduleId(id));
  const description = await found(handle, () => handle.describe());
  const settings = settingsOf(description);
  const plan = planBackfill({ from: range.from, to: range.to, runTime: settings, nowMs: range.nowMs });
  await found(handle, () => handle.backfill({ start: new Date(plan.startMs), end: new Date(plan.endMs), overlap: BACKFILL_OVERLAP }));
  const actionWorkflowId = description.action.workflowId ?? handle.scheduleId;
  return plan.runs.map((run) => ({
    period: run.period,
    scheduledAt: new Date(run.scheduledAtMs).toISOString(),
    workflowId: scheduledWorkflowId(actionWorkflowId, run.scheduledAtMs),
    reconcileWorkflowId: reconcileWorkflowId(settings.accountId, run.period),
  }));
}

async function found<T>(handle: ScheduleHandle, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new ScheduleRequestError(`there is no schedule ${handle.scheduleId}`, 'NOT_FOUND', handle.scheduleId);
    throw error;
  }
}

/** The account and run time, from the action's arguments and the calendar it was created with. */
function settingsOf(description: ScheduleDescription): MonthlyScheduleSettings {
  const input = description.action.args?.[0] as ScheduledReconciliationInput | undefined;
  const calendar = description.spec.calendars?.[0];
  const first = (ranges: Array<{ start: number }> | undefined) => ranges?.[0]?.start ?? 0;
  return {
    accountId: input?.accountId ?? description.scheduleId.slice(MONTHLY_SCHEDULE_PREFIX.length),
    dayOfMonth: first(calendar?.dayOfMonth),
    hour: first(calendar?.hour),
    timeZone: description.spec.timezone ?? input?.timeZone ?? 'UTC',
    ...(input?.windowHours ? { windowHours: input.windowHours } : {}),
  };
}

function upcoming(at: Date, timeZone: string): UpcomingRun {
  return { at: at.toISOString(), period: periodForScheduledRun(at.getTime(), timeZone) };
}

/** A run with its status and month (from the memo the workflow keeps), and its month's reconciliation status. */
async function describeRun(client: Client, action: ScheduleExecutionResult): Promise<ScheduleRun> {
  const { workflowId, firstExecutionRunId } = action.action.workflow;
  const run: ScheduleRun = { scheduledAt: action.scheduledAt.toISOString(), startedAt: action.takenAt.toISOString(), workflowId, runId: firstExecutionRunId, status: 'UNKNOWN' };
  const described = await describeOrUndefined(client, workflowId, firstExecutionRunId);
  if (!described) return run;
  const memo = (described.memo ?? {}) as Partial<ScheduledReconciliationResult>;
  run.status = described.status.name;
  if (memo.period) run.period = memo.period;
  if (memo.outcome) run.outcome = memo.outcome;
  if (memo.reconcileWorkflowId) {
    run.reconcileWorkflowId = memo.reconcileWorkflowId;
    const reconciliation = await describeOrUndefined(client, memo.reconcileWorkflowId);
    if (reconciliation) run.reconcileStatus = reconciliation.status.name;
  }
  return run;
}

async function describeOrUndefined(client: Client, workflowId: string, runId?: string) {
  try {
    return await client.workflow.getHandle(workflowId, runId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
