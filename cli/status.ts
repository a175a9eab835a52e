import { WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { exceptionsOfRun } from '../lib/store/reconciliation';
import { connectMongo } from '../lib/store/mongo';
import { connectTemporalClient } from '../lib/temporal/client';
import type { ReconcileProgress, ReconcileSummary } from '../workflows/reconcile-account-period';
import { ReconStatus } from '../workflows/search-attributes';
import { UserError } from './errors';
import { formatSummary } from './summary';

const DEFAULT_ADDRESS = '127.0.0.1:7233';

/** `recon status <workflowId>`: where a run is, or its summary once finished. */
export async function runStatus(workflowId: string, options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  const client = await connectTemporalClient({ address: config.temporal.address ?? DEFAULT_ADDRESS, namespace: config.temporal.namespace });
  try {
    const handle = client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new UserError(`no run ${workflowId} in namespace ${config.temporal.namespace}`);
      throw error;
    }
    const state = description.status.name;
    const reconStatus = description.typedSearchAttributes.get(ReconStatus);
    if (state === 'RUNNING') {
      const progress = await handle.query<ReconcileProgress>('progress');
      console.log(options.json ? JSON.stringify({ workflowId, state, reconStatus, progress }) : `${workflowId}: running, ${progress.stage}, windows ${progress.windowsDone}/${progress.windowsTotal}, records ${progress.records}`);
      return;
    }
    if (state === 'COMPLETED') {
      const summary = (await handle.result()) as ReconcileSummary;
      console.log(options.json ? JSON.stringify({ workflowId, state, summary }, null, 2) : formatSummary(summary));
      return;
    }
    console.log(options.json ? JSON.stringify({ workflowId, state, reconStatus }) : `${workflowId}: ${state.toLowerCase()} (${reconStatus ?? 'no status recorded'})`);
    process.exitCode = 1;
  } finally {
    await client.connection.close();
  }
}

/** `recon exceptions <workflowId>`: every exception of a run, with the rule that decided it. */
export async function runExceptions(workflowId: string, options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  if (!config.mongo.uri) throw new UserError('recon exceptions needs MONGODB_URI (start the stack with `npx recon dev`, which prints it).');
  const mongo = await connectMongo(config.mongo.uri, config.mongo.database);
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
    for (const e of exceptions) {
      console.log(`${e.kind.padEnd(18)} ${e.rule.padEnd(32)} ${e.reason}`);
      if (e.brokerKeys.length) console.log(`${''.padEnd(18)} broker ${e.brokerKeys.join(', ')}`);
      if (e.bookEntryIds.length) console.log(`${''.padEnd(18)} books  ${e.bookEntryIds.join(', ')}`);
    }
  } finally {
    await mongo.close();
  }
}
