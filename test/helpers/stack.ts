import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { CapitalClient } from '../../lib/capital';
import { createLogger, type Logger } from '../../lib/log';
import { connectMongo, type MongoHandle } from '../../lib/store/mongo';
import { connectTemporalClient } from '../../lib/temporal/client';
import { createMarketWorker } from '../../workers/market-worker';
import { createReconWorker } from '../../workers/recon-worker';
import { installTemporalRuntime } from '../../workers/runtime';

/** The servers `npm test` started for this run (see scripts/run-tests.ts). */
export interface TestStack {
  address: string;
  namespace: string;
  mongoUri: string;
  bundlePath: string;
  temporalDescription: string;
  mongoDescription: string;
}

export function testStack(): TestStack {
  const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, MONGODB_URI, RECON_TEST_WORKFLOW_BUNDLE, RECON_TEST_STACK } = process.env;
  if (!TEMPORAL_ADDRESS || !TEMPORAL_NAMESPACE || !MONGODB_URI || !RECON_TEST_WORKFLOW_BUNDLE || !RECON_TEST_STACK) {
    throw new Error('Integration tests need the stack that `npm test` starts: run them with `npm test -- <file>`.');
  }
  const described = JSON.parse(RECON_TEST_STACK) as { temporal: string; mongo: string };
  return {
    address: TEMPORAL_ADDRESS,
    namespace: TEMPORAL_NAMESPACE,
    mongoUri: MONGODB_URI,
    bundlePath: RECON_TEST_WORKFLOW_BUNDLE,
    temporalDescription: described.temporal,
    mongoDescription: described.mongo,
  };
}

let testLog: Logger | undefined;

/** A quiet logger for tests, with the Temporal runtime routed into it (once per process). */
export function testLogger(): Logger {
  if (!testLog) {
    testLog = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', format: 'json' });
    installTemporalRuntime(testLog);
  }
  return testLog;
}

/** A name no other test uses, for task queues, databases and workflow ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A fresh database on the test server, dropped by `close()`. */
export async function openTestDatabase(stack: TestStack, prefix: string): Promise<MongoHandle> {
  const name = uniqueName(`t_${prefix}`).replace(/-/g, '_');
  const handle = await connectMongo(stack.mongoUri, name);
  return {
    ...handle,
    close: async () => {
      await handle.db.dropDatabase().catch(() => undefined);
      await handle.close();
    },
  };
}

export interface TestWorkerContext {
  client: Client;
  taskQueue: string;
  /** Where this worker's runs write their statements (a fresh temporary directory). */
  statementsDir: string;
  /** Stops the worker (after its in-flight tasks) and closes the connections. */
  close(): Promise<void>;
}

/**
 * A recon worker, already running on its own task queue, plus a client, both on the run's
 * Temporal server. A Temporal worker runs once: start one per suite and close it in `after`.
 */
export async function startTestWorker(stack: TestStack, mongo: MongoHandle, capitalFor: (accountId: string) => CapitalClient = noCapital): Promise<TestWorkerContext> {
  const log = testLogger();
  const taskQueue = uniqueName('test-recon');
  const statementsDir = mkdtempSync(path.join(tmpdir(), 'recon-statements-'));
  const worker = await createReconWorker({
    address: stack.address,
    namespace: stack.namespace,
    taskQueue,
    bundle: { codePath: stack.bundlePath },
    db: mongo.db,
    log,
    capitalFor,
    statements: { dir: statementsDir, legalEntity: 'Test Trading Ltd' },
  });
  const running = worker.worker.run();
  const client = await connectTemporalClient({ address: stack.address, namespace: stack.namespace });
  return {
    client,
    taskQueue,
    statementsDir,
    close: async () => {
      await client.connection.close();
      worker.worker.shutdown();
      await running;
      await worker.close();
      rmSync(statementsDir, { recursive: true, force: true });
    },
  };
}

function noCapital(): CapitalClient {
  throw new Error('this test worker has no Capital.com client; pass capitalFor to startTestWorker');
}

export interface TestMarketWorkerContext {
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

/** A market-data worker (streaming supervisors and batches) on its own task queue. */
export async function startTestMarketWorker(stack: TestStack, mongo: MongoHandle, capitalFor: (accountId: string) => CapitalClient, quoteRetentionDays = 7): Promise<TestMarketWorkerContext> {
  const taskQueue = uniqueName('test-market');
  const worker = await createMarketWorker({ address: stack.address, namespace: stack.namespace, taskQueue, bundle: { codePath: stack.bundlePath }, db: mongo.db, log: testLogger(), capitalFor, quoteRetentionDays });
  const running = worker.worker.run();
  const client = await connectTemporalClient({ address: stack.address, namespace: stack.namespace });
  return {
    client,
    taskQueue,
    close: async () => {
      await client.connection.close();
      worker.worker.shutdown();
      await running;
      await worker.close();
    },
  };
}
