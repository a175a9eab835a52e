/**
 * What the interval Schedules (trading monitors, client sentiment) report about themselves: the
 * description, or undefined when the schedule does not exist, and the figures every status shows.
 */
import { ScheduleNotFoundError, WorkflowNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';

const RECENT_RUNS_SHOWN = 5;

export interface ScheduleRun {
  scheduledAt: string;
  workflowId: string;
  status: string;
}

export interface IntervalScheduleFacts {
  paused: boolean;
  intervalSeconds?: number;
  nextRunAt?: string;
  recentRuns: ScheduleRun[];
  actionsTaken: number;
  actionsSkippedOverlap: number;
}

export async function describeScheduleIfAny(client: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

/** Interval, next run, and the last few runs with how each ended. */
export async function intervalScheduleFacts(client: Client, description: ScheduleDescription): Promise<IntervalScheduleFacts> {
  const interval = description.spec.intervals?.[0]?.every;
  const next = description.info.nextActionTimes[0];
  const recent = description.info.recentActions.slice(-RECENT_RUNS_SHOWN);
  return {
    paused: description.state.paused,
    ...(interval !== undefined ? { intervalSeconds: Math.round(Number(interval) / 1000) } : {}),
    ...(next ? { nextRunAt: next.toISOString() } : {}),
    recentRuns: await Promise.all(
      recent.map(async (run) => ({
        scheduledAt: run.scheduledAt.toISOString(),
        workflowId: run.action.workflow.workflowId,
        status: await workflowStatus(client, run.action.workflow.workflowId, run.action.workflow.firstExecutionRunId),
      })),
    ),
    actionsTaken: description.info.numActionsTaken,
    actionsSkippedOverlap: description.info.numActionsSkippedOverlap,
  };
}

async function workflowStatus(client: Client, workflowId: string, runId: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'UNKNOWN';
    throw error;
  }
}
