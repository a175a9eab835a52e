import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig } from '../lib/config';
import { checkTimeZone, PeriodError, periodWindows } from '../lib/ledger/windows';
import { RunAlreadyStartedError, startReconciliation, TooManyRerunsError } from '../lib/temporal/runs';
import { connectTemporal } from './connections';
import { explainRunFailure, usageError, UserError } from './errors';
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

/** `recon run`: start the monthly reconciliation of one account. */
export async function runReconciliation(options: RunOptions, command: Command): Promise<void> {
  const config = loadConfig();
  checkPeriod(options, command);
  const client = await connectTemporal(config);
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
      if (error instanceof RunAlreadyStartedError) throw new UserError(await alreadyStarted(client, error.workflowId, options));
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
    let summary;
    try {
      summary = await result;
    } catch (error) {
      if (error instanceof WorkflowFailedError) throw new UserError(explainRunFailure(error, workflowId));
      throw error;
    }
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  } finally {
    await client.connection.close();
  }
}

/** The zone and the month, before anything starts: a month that has not begun is a usage error (exit 2). */
function checkPeriod(options: RunOptions, command: Command): void {
  try {
    checkTimeZone(options.tz);
    periodWindows({ period: options.period, timeZone: options.tz, nowMs: Date.now(), ...(options.windowHours ? { windowHours: options.windowHours } : {}) });
  } catch (error) {
    if (!(error instanceof PeriodError)) throw error;
    const future = /after now/.test(error.message);
    usageError(command, future ? `${options.period} has not started yet in ${options.tz}: reconcile a month that has begun (usually one that has ended)` : error.message);
  }
}

/** Whether the period's run is still going or finished decides what the user should do next. */
async function alreadyStarted(client: Client, workflowId: string, options: RunOptions): Promise<string> {
  const state = await client.workflow
    .getHandle(workflowId)
    .describe()
    .then((d) => d.status.name)
    .catch(() => undefined);
  const what = `${options.account} ${options.period}`;
  if (state === 'RUNNING') return `${what} is being reconciled right now (workflow ${workflowId}): follow it with \`recon status ${workflowId}\`; a second run would only repeat it.`;
  const ended = state ? `ended ${state.toLowerCase()}` : 'ran before';
  return `${what} has been reconciled before (workflow ${workflowId} ${ended}): see \`recon status ${workflowId}\`, or start a new attempt with --rerun.`;
}
