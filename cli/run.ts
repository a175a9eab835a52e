import { loadConfig } from '../lib/config';
import { checkTimeZone } from '../lib/ledger/windows';
import { connectTemporalClient } from '../lib/temporal/client';
import { RunAlreadyStartedError, startReconciliation, TooManyRerunsError } from '../lib/temporal/runs';
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
    let started;
    try {
      started = await startReconciliation(client, config.temporal.taskQueue, {
        accountId: options.account,
        period: options.period,
        timeZone: options.tz,
        ...(options.windowHours ? { windowHours: options.windowHours } : {}),
        ...(options.types ? { types: options.types } : {}),
        rerun: options.rerun ?? false,
        dryRun: options.dryRun ?? false,
      });
    } catch (error) {
      if (error instanceof RunAlreadyStartedError) {
        throw new UserError(`${options.account} ${options.period} has already been reconciled or is running (workflow ${error.workflowId}). See \`recon status ${error.workflowId}\`, or start a new attempt with --rerun.`);
      }
      if (error instanceof TooManyRerunsError) throw new UserError(error.message);
      throw error;
    }
    const { workflowId, handle } = started;
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
