import { Connection } from '@temporalio/client';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';
import { ensureNamespace, searchAttributeFlags } from '../temporal/namespace';
import { RECON_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { buildGoTool, TEMPORAL_CLI } from './go-tools';
import { choosePort, waitUntil } from './ports';
import { startManagedProcess } from './process';
import type { ServerSource } from './resolve';

export interface TemporalServer {
  address: string;
  namespace: string;
  /** The Web UI, when one runs. */
  uiUrl?: string;
  /** How the server was found, for the log and `recon dev`'s banner. */
  description: string;
  pid?: number;
  stop(): Promise<void>;
}

export interface TemporalStartOptions {
  config: Config;
  log: Logger;
  /** Serve the Web UI (recon dev, the demo); tests run headless. */
  ui: boolean;
  /** Keep workflow state in this SQLite file across restarts; default: in memory. */
  dbFile?: string;
  /** Directory for the server's own log file. */
  logDir: string;
  /** Prefer these ports when free (default: any free port). */
  port?: number;
  uiPort?: number;
}

const READY_TIMEOUT_MS = 90_000;

export async function startTemporal(source: ServerSource, options: TemporalStartOptions): Promise<TemporalServer> {
  const { config, log } = options;
  const namespace = config.temporal.namespace;
  log.info({ component: 'temporal', choice: source.kind, reason: source.reason }, 'resolving Temporal');

  switch (source.kind) {
    case 'external': {
      const address = config.temporal.address as string;
      await prepareExisting(address, namespace, log);
      return { address, namespace, description: `existing server at ${address}`, stop: async () => undefined };
    }
    case 'binary':
      return startDevServer(source.path, options);
    case 'build':
      return startDevServer(await buildGoTool(TEMPORAL_CLI, config.cacheDir, log), options);
    case 'download':
      return startDownloadedServer(options);
  }
}

async function prepareExisting(address: string, namespace: string, log: Logger): Promise<void> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 10_000 });
  } catch (error) {
    throw new Error(`TEMPORAL_ADDRESS=${address} does not answer: ${(error as Error).message}. Start that server or unset TEMPORAL_ADDRESS to use the embedded one.`, { cause: error });
  }
  try {
    await ensureNamespace(connection, namespace, log);
  } finally {
    await connection.close();
  }
}

async function startDevServer(executable: string, options: TemporalStartOptions): Promise<TemporalServer> {
  const { config, log } = options;
  const namespace = config.temporal.namespace;
  const port = await choosePort(options.port);
  const uiPort = options.ui ? await choosePort(options.uiPort ?? port + 1000) : undefined;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  args.push(...searchAttributeFlags());
  args.push(...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']));
  if (options.dbFile) args.push('--db-filename', options.dbFile);

  const server = startManagedProcess({
    name: 'temporal',
    command: executable,
    args,
    log,
    logFile: path.join(options.logDir, 'temporal.log'),
  });
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntil(
      `Temporal dev server (${executable})`,
      async () => {
        const connection = await Connection.connect({ address, connectTimeout: 2_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
          return true;
        } finally {
          await connection.close();
        }
      },
      {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 250,
        abort: server.failure,
      },
    );
  } catch (error) {
    await server.stop();
    throw error;
  }
  log.info({ component: 'temporal', address, namespace, uiPort, pid: server.pid }, 'Temporal dev server ready');
  return {
    address,
    namespace,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    description: `temporal server start-dev (${executable})`,
    pid: server.pid,
    stop: () => server.stop(),
  };
}

async function startDownloadedServer(options: TemporalStartOptions): Promise<TemporalServer> {
  const { config, log } = options;
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  let env: Awaited<ReturnType<typeof TestWorkflowEnvironment.createLocal>>;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        namespace: config.temporal.namespace,
        ip: '127.0.0.1',
        ui: options.ui,
        ...(options.ui && options.uiPort ? { uiPort: options.uiPort } : {}),
        ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
        searchAttributes: [...RECON_SEARCH_ATTRIBUTES],
      },
    });
  } catch (error) {
    throw new Error(
      'No Temporal server could be started: TEMPORAL_ADDRESS is not set, no temporal CLI was found ' +
        '(TEMPORAL_CLI_PATH, PATH, the cache), Go is not installed to build one, and the SDK download failed ' +
        `(${(error as Error).message}). Set TEMPORAL_ADDRESS=host:port to use a running server, or ` +
        'TEMPORAL_CLI_PATH=/path/to/temporal.',
      { cause: error },
    );
  }
  log.info({ component: 'temporal', address: env.address }, 'Temporal dev server (SDK download) ready');
  return {
    address: env.address,
    namespace: config.temporal.namespace,
    description: 'temporal dev server downloaded by the Temporal SDK',
    stop: () => env.teardown(),
  };
}
