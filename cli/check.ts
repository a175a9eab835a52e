import { WorkflowFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../lib/config';
import { connectTemporal, temporalAddressOf } from './connections';
import type { selfCheck } from '../workflows/self-check';
import { UserError } from './errors';

/** `recon check`: one self-check workflow through the running stack (e.g. `recon dev`). */
export async function runCheck(options: { timeout: number; json?: boolean }): Promise<void> {
  const config = loadConfig();
  const address = temporalAddressOf(config);
  const client = await connectTemporal(config);
  const checkId = `self-check-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  try {
    const handle = await client.workflow.start<typeof selfCheck>('selfCheck', {
      taskQueue: config.temporal.taskQueue,
      workflowId: checkId,
      args: [{ checkId }],
      workflowExecutionTimeout: `${options.timeout} seconds`,
    });
    const result = await handle.result();
    if (options.json) {
      console.log(JSON.stringify({ ok: result.roundTrip, address, namespace: config.temporal.namespace, ...result }, null, 2));
    } else {
      console.log(`Temporal ${address} (namespace ${config.temporal.namespace}) ran workflow ${result.workflowId}`);
      console.log(`The worker wrote a document to the database at ${result.writtenAt} and read it back: ${result.roundTrip ? 'identical' : 'DIFFERENT'}`);
    }
    if (!result.roundTrip) throw new UserError('the database returned a different document than was written');
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      throw new UserError(
        `the self-check workflow did not complete within ${options.timeout} s (${error.cause?.message ?? error.message}). ` +
          `Is a worker polling task queue '${config.temporal.taskQueue}'? Start one with \`npx recon dev\` or \`npx recon worker\`.`,
      );
    }
    throw error;
  } finally {
    await client.connection.close();
  }
}
