import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, SelfCheckOutcome } from '../activities';

const { recordSelfCheck } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

export interface SelfCheckResult extends SelfCheckOutcome {
  workflowId: string;
  runId: string;
}

/**
 * Proves the whole stack works end to end: a workflow on the Temporal server schedules an
 * activity on a worker, which writes to the database and reads the document back.
 */
export async function selfCheck(input: { checkId: string }): Promise<SelfCheckResult> {
  const { workflowId, runId } = workflowInfo();
  const outcome = await recordSelfCheck({ checkId: input.checkId, workflowId, runId });
  return { ...outcome, workflowId, runId };
}
