import type { Config } from '../config';
import { cachedToolPath, FERRETDB, TEMPORAL_CLI } from './go-tools';

/** Where a dev-stack server comes from, and why that choice was made. */
export type ServerSource =
  | { kind: 'external'; reason: string }
  | { kind: 'binary'; program: 'temporal' | 'mongod' | 'ferretdb'; path: string; reason: string }
  | { kind: 'build'; program: 'temporal' | 'ferretdb'; reason: string }
  | { kind: 'download'; reason: string };

/** What the resolver may look at on this machine (injected so tests can describe any machine). */
export interface MachineProbe {
  onPath(name: string): Promise<string | undefined>;
  isExecutable(file: string): Promise<boolean>;
}

export class ConfiguredPathError extends Error {
  override name = 'ConfiguredPathError';
}

/**
 * Temporal, in order: TEMPORAL_ADDRESS (a running server) → TEMPORAL_CLI_PATH → `temporal` on
 * PATH → the cached build → a build with Go → the SDK's own download.
 */
export async function resolveTemporalSource(config: Config, probe: MachineProbe): Promise<ServerSource> {
  if (config.temporal.address) {
    return { kind: 'external', reason: `TEMPORAL_ADDRESS is set (${config.temporal.address})` };
  }
  if (config.temporal.cliPath) {
    if (!(await probe.isExecutable(config.temporal.cliPath))) {
      throw new ConfiguredPathError(`TEMPORAL_CLI_PATH=${config.temporal.cliPath} is not an executable file. Fix the path or unset it.`);
    }
    return { kind: 'binary', program: 'temporal', path: config.temporal.cliPath, reason: 'TEMPORAL_CLI_PATH is set' };
  }
  return resolveLocalTool(config, probe, ['temporal'], 'temporal');
}

/**
 * MongoDB, in order: MONGODB_URI (a running server) → `mongod` on PATH → the cached FerretDB
 * build → a FerretDB build with Go → mongodb-memory-server's download.
 */
export async function resolveMongoSource(config: Config, probe: MachineProbe): Promise<ServerSource> {
  if (config.mongo.uri) return { kind: 'external', reason: 'MONGODB_URI is set' };
  return resolveLocalTool(config, probe, ['mongod'], 'ferretdb');
}

async function resolveLocalTool(
  config: Config,
  probe: MachineProbe,
  onPathNames: Array<'temporal' | 'mongod'>,
  buildable: 'temporal' | 'ferretdb',
): Promise<ServerSource> {
  for (const name of onPathNames) {
    const found = await probe.onPath(name);
    if (found) return { kind: 'binary', program: name, path: found, reason: `${name} found on PATH` };
  }
  const tool = buildable === 'temporal' ? TEMPORAL_CLI : FERRETDB;
  const cached = cachedToolPath(config.cacheDir, tool);
  if (await probe.isExecutable(cached)) {
    return { kind: 'binary', program: buildable, path: cached, reason: `cached build ${cached}` };
  }
  if (await probe.onPath('go')) {
    return { kind: 'build', program: buildable, reason: `no ${onPathNames.join('/')} found; Go is present, building ${tool.module}@${tool.version}` };
  }
  return { kind: 'download', reason: `no ${onPathNames.join('/')} found and no Go toolchain to build ${buildable}; trying a download` };
}
