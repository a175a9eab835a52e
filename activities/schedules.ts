import { ApplicationFailure } from '@temporalio/common';
import { periodForScheduledRun } from '../lib/ledger/monthly-close';
import { PeriodError } from '../lib/ledger/windows';

export interface ScheduledPeriodInput {
  /** The run's `TemporalScheduledStartTime`, epoch ms. */
  scheduledAtMs: number;
  timeZone: string;
}

/**
 * Activities of scheduled reconciliations. The month is worked out here, not in the workflow:
 * the zone rules come from the runtime's time-zone data, and as an activity result the answer is
 * recorded in the history, so a replay on a worker with newer zone data decides the same month.
 */
export function createScheduleActivities() {
  return {
    async periodToReconcile(input: ScheduledPeriodInput): Promise<string> {
      try {
        return periodForScheduledRun(input.scheduledAtMs, input.timeZone);
      } catch (error) {
        // A bad zone in a schedule's arguments does not get better by retrying.
        if (error instanceof PeriodError) throw ApplicationFailure.nonRetryable(error.message, error.name);
        throw error;
      }
    },
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;
