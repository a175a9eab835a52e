import { ApplicationFailure, defineSearchAttributeKey, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { log, proxyLocalActivities, startChild, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { ScheduleActivities } from '../activities/schedules';
import { reconcileAccountPeriod, reconcileWorkflowId, type ReconcileSummary } from './reconcile-account-period';

const { periodToReconcile } = proxyLocalActivities<ScheduleActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 5 } });

/** Set by Temporal on every workflow a Schedule starts: the time it stands for (a backfill's past time too). */
const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');

export interface ScheduledReconciliationInput {
  accountId: string;
  /** The zone whose calendar months are reconciled (the schedule's zone). */
  timeZone: string;
  windowHours?: number;
}

/**
 * - `RECONCILED`: this run started the month's reconciliation and it completed.
 * - `ALREADY_STARTED`: the month's workflow id was taken by a run that completed or is still
 *   running (a manual `recon run`, or an earlier trigger); nothing was started twice.
 */
export type ScheduledOutcome = 'RECONCILED' | 'ALREADY_STARTED';

export interface ScheduledReconciliationResult {
  accountId: string;
  period: string;
  timeZone: string;
  /** ISO UTC: the schedule time this run stands for, which decided the period. */
  scheduledAt: string;
  reconcileWorkflowId: string;
  outcome: ScheduledOutcome;
  /** The reconciliation's status, when this run started it. */
  status?: ReconcileSummary['status'];
}

/**
 * What a monthly Schedule starts: reconcile the calendar month before the *scheduled* time (so
 * late, caught-up and backfilled runs pick the month they stand for), as a child with the
 * month's canonical id `recon:{account}:{period}`. A month already reconciled is reported, not
 * redone; a month whose earlier run failed is run again; a failed reconciliation fails this
 * workflow, which pauses the schedule (pause-on-failure).
 */
export async function scheduledReconciliation(input: ScheduledReconciliationInput): Promise<ScheduledReconciliationResult> {
  const scheduledAt = scheduledStartTime();
  const period = await periodToReconcile({ scheduledAtMs: scheduledAt.getTime(), timeZone: input.timeZone });
  const childId = reconcileWorkflowId(input.accountId, period);
  const base = { accountId: input.accountId, period, timeZone: input.timeZone, scheduledAt: scheduledAt.toISOString(), reconcileWorkflowId: childId };
  // The memo lets `recon schedule describe` show a run's month while it is still running.
  upsertMemo({ period, reconcileWorkflowId: childId });

  let child;
  try {
    child = await startChild(reconcileAccountPeriod, {
      workflowId: childId,
      args: [{ accountId: input.accountId, period, timeZone: input.timeZone, ...(input.windowHours ? { windowHours: input.windowHours } : {}) }],
      // A completed month is never reconciled twice under its id; a failed one may be retried.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    log.info('month already reconciled or running; not starting it again', { reconcileWorkflowId: childId, period });
    upsertMemo({ outcome: 'ALREADY_STARTED' });
    return { ...base, outcome: 'ALREADY_STARTED' };
  }

  let summary: ReconcileSummary;
  try {
    summary = await child.result();
  } catch (error) {
    throw ApplicationFailure.create({ message: `reconciliation ${childId} of ${period} failed`, type: 'ReconciliationFailed', nonRetryable: true, cause: error as Error });
  }
  upsertMemo({ outcome: 'RECONCILED', status: summary.status });
  return { ...base, outcome: 'RECONCILED', status: summary.status };
}

function scheduledStartTime(): Date {
  const scheduledAt = workflowInfo().typedSearchAttributes.get(TemporalScheduledStartTime);
  if (scheduledAt) return scheduledAt;
  throw ApplicationFailure.nonRetryable('scheduledReconciliation is started by a Temporal Schedule (it has no TemporalScheduledStartTime); reconcile a single month with `recon run`', 'NotScheduled');
}
