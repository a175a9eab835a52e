import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { exceptionsOfRun } from '../lib/store/reconciliation';
import type { ReconcileProgress, ReconcileSummary } from '../workflows/reconcile-account-period';
import { ReconStatus } from '../workflows/search-attributes';
import { connectDatabase, connectTemporal } from './connections';
import { explainRunFailure, runFailureCause, UserError } from './errors';
import { formatSummary } from './summary';
import { alignedRows } from './table';

/** `recon status <workflowId>`: where a run is, its summary once finished, or why it failed. */
export async function runStatus(workflowId: string, options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  const client = await connectTemporal(config);
  try {
    const handle = client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new UserError(`no run ${workflowId} in namespace ${config.temporal.namespace}: check the id (\`recon run\` printed it; runs are recon:{account}:{period}).`);
      throw error;
    }
    const state = description.status.name;
    const reconStatus = description.typedSearchAttributes.get(ReconStatus);
    if (state === 'RUNNING') {
      const progress = await handle.query<ReconcileProgress>('progress');
      console.log(options.json ? JSON.stringify({ workflowId, state, reconStatus, progress }) : `${workflowId}: running, ${progress.stage}, windows ${progress.windowsDone}/${progress.windowsTotal}, records ${progress.records}, exceptions ${progress.exceptions}`);
      return;
    }
    if (state === 'COMPLETED') {
      const summary = (await handle.result()) as ReconcileSummary;
      console.log(options.json ? JSON.stringify({ workflowId, state, summary }, null, 2) : formatSummary(summary));
      return;
    }
    // Failed, terminated, cancelled, timed out: the reason Temporal recorded, in plain words.
    const failure = await handle.result().then(
      () => undefined,
      (error: unknown) => (error instanceof WorkflowFailedError ? error : undefined),
    );
    const reason = failure ? explainRunFailure(failure, workflowId) : `${workflowId} ended ${state.toLowerCase()}.`;
    console.log(
      options.json
        ? JSON.stringify({ workflowId, state, reconStatus, failure: { explanation: reason, cause: failure ? runFailureCause(failure) : undefined } })
        : `${workflowId}: ${state.toLowerCase()}${reconStatus ? ` (${reconStatus})` : ''}\n${reason}`,
    );
    process.exitCode = 1;
  } finally {
    await client.connection.close();
  }
}

/** `recon exceptions <workflowId>`: every exception of a run, with the rule that decided it. */
export async function runExceptions(workflowId: string, options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  const mongo = await connectDatabase(config, 'recon exceptions');
  try {
    const exceptions = await exceptionsOfRun(mongo.db, workflowId).toArray();
    if (options.json) {
      console.log(JSON.stringify(exceptions, null, 2));
      return;
    }
    if (exceptions.length === 0) {
      console.log(`No exceptions recorded for ${workflowId}.`);
      return;
    }
    const rows = [['KIND', 'RULE', 'REASON']];
    for (const e of exceptions) {
      rows.push([e.kind, e.rule, e.reason]);
      if (e.brokerKeys.length) rows.push(['', '  broker', e.brokerKeys.join(', ')]);
      if (e.bookEntryIds.length) rows.push(['', '  books', e.bookEntryIds.join(', ')]);
    }
    console.log(alignedRows(rows).join('\n'));
  } finally {
    await mongo.close();
  }
}
