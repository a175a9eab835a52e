import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { checkTimeZone } from '../lib/ledger/windows';
import { connectTemporalClient } from '../lib/temporal/client';
import type { reconcileAccountPeriod } from '../workflows/reconcile-account-period';
import { reconcileWorkflowId } from '../workflows/reconcile-account-period';
import { UserError } from './errors';
import { showProgress } from './progress';
import { formatSummary } from './summary';

export interface RunOptions {
  account: string;
  period: string;
  tz: string;
  windowHours?: number;
  rerun?: boolean;
  dryRun?: boolean;
  types?: string[];
  follow?: boolean;
  json?: boolean;
}

const DEFAULT_ADDRESS = '127.0.0.1:7233';
const RERUN_ATTEMPTS_MAX = 1_000;

/** `recon run`: start the monthly reconciliation of one account. */
export async function runReconciliation(options: RunOptions): Promise<void> {
  const config = loadConfig();
  try {
    checkTimeZone(options.tz);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const client = await connectTemporalClient({ address: config.temporal.address ?? DEFAULT_ADDRESS, namespace: config.temporal.namespace });
  try {
    const workflowId = options.rerun ? await nextRerunId(client, options.account, options.period) : reconcileWorkflowId(options.account, options.period);
    let handle;
    try {
      handle = await client.workflow.start<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [{ accountId: options.account, period: options.period, timeZone: options.tz, ...(options.windowHours ? { windowHours: options.windowHours } : {}), dryRun: options.dryRun ?? false, ...(options.types ? { types: options.types } : {}) }],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new UserError(`${options.account} ${options.period} has already been reconciled or is running (workflow ${workflowId}). See \`recon status ${workflowId}\`, or start a new attempt with --rerun.`);
      }
      throw error;
    }
    if (!options.follow) {
      if (options.json) console.log(JSON.stringify({ workflowId, runId: handle.firstExecutionRunId }));
      else console.log(`Started ${workflowId}. Follow it with \`recon status ${workflowId}\` or in the Temporal UI.`);
      return;
    }
    const result = handle.result();
    if (!options.json) await showProgress(handle, result, (id) => client.workflow.getHandle(id));
    const summary = await result;
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  } finally {
    await client.connection.close();
  }
}

/** The first free `recon:{account}:{period}:rerun-N`. */
async function nextRerunId(client: Client, account: string, period: string): Promise<string> {
  for (let attempt = 1; attempt <= RERUN_ATTEMPTS_MAX; attempt++) {
    const id = reconcileWorkflowId(account, period, attempt);
    try {
      await client.workflow.getHandle(id).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return id;
      throw error;
    }
  }
  throw new UserError(`more than ${RERUN_ATTEMPTS_MAX} re-runs of ${account} ${period}`);
}
