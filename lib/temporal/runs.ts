/**
 * Starting a monthly reconciliation: the one place that turns "account, period, options" into a
 * `reconcileAccountPeriod` workflow. `recon run` and `POST /runs` both call it, so the id rules
 * (one run per period, explicit re-runs numbered) cannot drift apart.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { reconcileAccountPeriod } from '../../workflows/reconcile-account-period';
import { reconcileWorkflowId } from '../../workflows/reconcile-account-period';

export interface StartReconciliationInput {
  accountId: string;
  period: string;
  timeZone: string;
  windowHours?: number;
  types?: string[];
  /** Start a new numbered attempt even when the period was reconciled before. */
  rerun?: boolean;
  dryRun?: boolean;
}

export interface StartedReconciliation {
  workflowId: string;
  handle: WorkflowHandleWithFirstExecutionRunId<typeof reconcileAccountPeriod>;
}

/** The period already has a run (finished or in flight) and no re-run was asked for. */
export class RunAlreadyStartedError extends Error {
  override name = 'RunAlreadyStartedError';
  constructor(readonly workflowId: string) {
    super(`a run with workflow id ${workflowId} exists already (reconciled or running)`);
  }
}

/** Re-runs are numbered; past this many something is wrong, and looking further would not help. */
export class TooManyRerunsError extends Error {
  override name = 'TooManyRerunsError';
}

export const RERUN_ATTEMPTS_MAX = 1_000;
/** Two re-runs asked for at once can pick the same free number; the loser tries the next one. */
const RERUN_START_RACES_MAX = 5;

export async function startReconciliation(client: Client, taskQueue: string, input: StartReconciliationInput): Promise<StartedReconciliation> {
  const args = {
    accountId: input.accountId,
    period: input.period,
    timeZone: input.timeZone,
    ...(input.windowHours ? { windowHours: input.windowHours } : {}),
    dryRun: input.dryRun ?? false,
    ...(input.types ? { types: input.types } : {}),
  };
  for (let race = 0; ; race++) {
    const workflowId = input.rerun ? await nextRerunId(client, input.accountId, input.period) : reconcileWorkflowId(input.accountId, input.period);
    try {
      const handle = await client.workflow.start<typeof reconcileAccountPeriod>('reconcileAccountPeriod', { taskQueue, workflowId, workflowIdReusePolicy: 'REJECT_DUPLICATE', args: [args] });
      return { workflowId, handle };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      if (!input.rerun || race + 1 >= RERUN_START_RACES_MAX) throw new RunAlreadyStartedError(workflowId);
    }
  }
}

/** The first free `recon:{account}:{period}:rerun-N`. */
export async function nextRerunId(client: Client, accountId: string, period: string): Promise<string> {
  for (let attempt = 1; attempt <= RERUN_ATTEMPTS_MAX; attempt++) {
    const id = reconcileWorkflowId(accountId, period, attempt);
    try {
      await client.workflow.getHandle(id).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return id;
      throw error;
    }
  }
  throw new TooManyRerunsError(`more than ${RERUN_ATTEMPTS_MAX} re-runs of ${accountId} ${period}`);
}
