import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';
import { isExecutable, whichOnPath } from './go-tools';
import { startMongo, type MongoServer } from './mongo';
import { resolveMongoSource, resolveTemporalSource, type MachineProbe } from './resolve';
import { startTemporal, type TemporalServer } from './temporal';

export type { MongoServer } from './mongo';
export type { TemporalServer } from './temporal';
export { resolveMongoSource, resolveTemporalSource, type MachineProbe, type ServerSource } from './resolve';

/** The embedded stack: a Temporal server and a MongoDB-compatible database, started together. */
export interface DevStack {
  temporal: TemporalServer;
  mongo: MongoServer;
  /** Where the servers write their own logs. */
  logDir: string;
  stop(): Promise<void>;
}

export interface DevStackOptions {
  config: Config;
  log: Logger;
  ui: boolean;
  /** Keep Temporal's and the database's data here across restarts; default: throwaway. */
  persistDir?: string;
  temporalPort?: number;
  uiPort?: number;
  mongoPort?: number;
}

export const machineProbe: MachineProbe = { onPath: (name) => whichOnPath(name), isExecutable };

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const { config, log } = options;
  const logDir = options.persistDir ? path.join(options.persistDir, 'logs') : await mkdtemp(path.join(tmpdir(), 'capital-recon-logs-'));
  await mkdir(logDir, { recursive: true });
  if (options.persistDir) await mkdir(options.persistDir, { recursive: true });

  const [temporalSource, mongoSource] = await Promise.all([
    resolveTemporalSource(config, machineProbe),
    resolveMongoSource(config, machineProbe),
  ]);
  const [temporal, mongo] = await Promise.allSettled([
    startTemporal(temporalSource, {
      config,
      log,
      ui: options.ui,
      logDir,
      port: options.temporalPort ?? config.temporal.port,
      uiPort: options.uiPort ?? config.temporal.uiPort,
      ...(options.persistDir ? { dbFile: path.join(options.persistDir, 'temporal.sqlite') } : {}),
    }),
    startMongo(mongoSource, {
      config,
      log,
      logDir,
      port: options.mongoPort,
      ...(options.persistDir ? { dataDir: path.join(options.persistDir, 'mongo') } : {}),
    }),
  ]);

  if (temporal.status === 'rejected' || mongo.status === 'rejected') {
    if (temporal.status === 'fulfilled') await temporal.value.stop();
    if (mongo.status === 'fulfilled') await mongo.value.stop();
    const reasons = [temporal, mongo].flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    throw new Error(`The dev stack did not start:\n- ${reasons.join('\n- ')}`);
  }

  let stopping: Promise<void> | undefined;
  return {
    temporal: temporal.value,
    mongo: mongo.value,
    logDir,
    stop() {
      stopping ??= Promise.all([temporal.value.stop(), mongo.value.stop()]).then(() => undefined);
      return stopping;
    },
  };
}

/**
 * Stops `stop` on Ctrl-C or SIGTERM, then exits (130 for Ctrl-C, 143 for SIGTERM). A second
 * Ctrl-C exits at once; guard.sh still takes the servers down.
 */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info({ signal }, 'stopping');
    stop()
      .catch((error: unknown) => log.error({ err: error }, 'error while stopping'))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
