import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';
import { connectMongo, describeMongoUri } from '../store/mongo';
import { buildGoTool, FERRETDB } from './go-tools';
import { choosePort, waitUntil } from './ports';
import { startManagedProcess } from './process';
import type { ServerSource } from './resolve';

export interface MongoServer {
  uri: string;
  database: string;
  description: string;
  pid?: number;
  stop(): Promise<void>;
}

export interface MongoStartOptions {
  config: Config;
  log: Logger;
  /** Keep the data here across restarts; default: a temporary directory removed on stop. */
  dataDir?: string;
  logDir: string;
  port?: number;
}

const READY_TIMEOUT_MS = 60_000;

export async function startMongo(source: ServerSource, options: MongoStartOptions): Promise<MongoServer> {
  const { config, log } = options;
  const database = config.mongo.database;
  log.info({ component: 'mongodb', choice: source.kind, reason: source.reason }, 'resolving MongoDB');

  switch (source.kind) {
    case 'external': {
      const uri = config.mongo.uri as string;
      const handle = await connectMongo(uri, database);
      await handle.close();
      return { uri, database, description: `existing server at ${describeMongoUri(uri)}`, stop: async () => undefined };
    }
    case 'binary':
      return source.program === 'mongod' ? startLocalServer('mongod', source.path, options) : startLocalServer('ferretdb', source.path, options);
    case 'build':
      return startLocalServer('ferretdb', await buildGoTool(FERRETDB, config.cacheDir, log), options);
    case 'download':
      return startDownloadedServer(options);
  }
}

function serverArgs(program: 'mongod' | 'ferretdb', dataDir: string, port: number): string[] {
  if (program === 'mongod') {
    return ['--dbpath', dataDir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'];
  }
  return [
    '--handler=sqlite',
    '--telemetry=disable',
    `--sqlite-url=file:${dataDir}/`,
    `--state-dir=${dataDir}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    '--log-level=warn',
  ];
}

async function startLocalServer(program: 'mongod' | 'ferretdb', executable: string, options: MongoStartOptions): Promise<MongoServer> {
  const { config, log } = options;
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), `capital-recon-${program}-`)));
  await mkdir(dataDir, { recursive: true });
  const port = await choosePort(options.port);
  const server = startManagedProcess({
    name: program,
    command: executable,
    args: serverArgs(program, dataDir, port),
    log,
    logFile: path.join(options.logDir, `${program}.log`),
  });
  const uri = `mongodb://127.0.0.1:${port}/`;
  const cleanUp = async () => {
    await server.stop();
    if (temporary) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      `${program} (${executable})`,
      async () => {
        const handle = await connectMongo(uri, config.mongo.database, { timeoutMs: 1_000 });
        await handle.close();
        return true;
      },
      {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 200,
        abort: server.failure,
      },
    );
  } catch (error) {
    await cleanUp();
    throw error;
  }
  log.info({ component: 'mongodb', program, uri, dataDir, pid: server.pid }, 'database ready');
  return { uri, database: config.mongo.database, description: `${program} (${executable})`, pid: server.pid, stop: cleanUp };
}

async function startDownloadedServer(options: MongoStartOptions): Promise<MongoServer> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  let server: InstanceType<typeof MongoMemoryServer>;
  try {
    server = await MongoMemoryServer.create({ instance: { ip: '127.0.0.1', ...(options.port ? { port: options.port } : {}), ...(options.dataDir ? { dbPath: options.dataDir } : {}) } });
  } catch (error) {
    throw new Error(
      'No MongoDB server could be started: MONGODB_URI is not set, no mongod is on PATH, no FerretDB build ' +
        `is cached, Go is not installed to build one, and the mongod download failed (${(error as Error).message}). ` +
        'Set MONGODB_URI=mongodb://host:port to use a running server.',
      { cause: error },
    );
  }
  options.log.info({ component: 'mongodb', uri: server.getUri() }, 'database (downloaded mongod) ready');
  return {
    uri: server.getUri(),
    database: options.config.mongo.database,
    description: 'mongod downloaded by mongodb-memory-server',
    stop: async () => {
      await server.stop({ doCleanup: options.dataDir === undefined });
    },
  };
}
