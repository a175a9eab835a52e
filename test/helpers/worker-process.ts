import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../lib/devstack/paths';
import type { RunningSimulator } from '../../simulator';
import { testStack } from './stack';

/**
 * `recon worker` as its own process, as in production, on its own task queue and database, talking
 * to the simulator: a test can SIGKILL it mid-run and start another.
 */
export function startWorkerProcess(options: { taskQueue: string; database: string; simulator: RunningSimulator }): ChildProcess {
  const stack = testStack();
  return spawn(process.execPath, [path.join(projectRoot(), 'bin', 'recon.js'), 'worker'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      MONGODB_URI: stack.mongoUri,
      MONGODB_DB: options.database,
      CAPITAL_ENV: 'custom',
      CAPITAL_BASE_URL: options.simulator.url,
      CAPITAL_API_KEY: options.simulator.credentials.apiKey,
      CAPITAL_IDENTIFIER: options.simulator.credentials.identifier,
      CAPITAL_PASSWORD: options.simulator.credentials.password,
      LOG_LEVEL: 'error',
    },
    stdio: 'ignore',
  });
}
