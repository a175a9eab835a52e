import { execFile } from 'node:child_process';
import { access, chmod, cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../log';
import { withFileLock } from './lock';
import { cacheBinDir, cacheLockDir } from './paths';

const run = promisify(execFile);

/** A Go program the dev stack can build from the Go module proxy. */
export interface GoTool {
  binary: string;
  module: string;
  version: string;
  packagePath: string;
  ldflags?: string;
  /** Adjusts the module's source before building (it runs on a private, writable copy). */
  prepare?: (sourceDir: string) => Promise<void>;
}

export const TEMPORAL_CLI: GoTool = {
  binary: 'temporal',
  module: 'github.com/temporalio/cli',
  version: 'v1.5.1',
  packagePath: './cmd/temporal',
  ldflags: '-X github.com/temporalio/cli/temporalcli.Version=1.5.1',
};

export const FERRETDB: GoTool = {
  binary: 'ferretdb',
  module: 'github.com/FerretDB/FerretDB',
  version: 'v1.24.2',
  packagePath: './cmd/ferretdb',
  // FerretDB refuses to start when built inside its own module without this generated file,
  // which its module archive does not contain.
  prepare: (dir) => writeFile(path.join(dir, 'build', 'version', 'version.txt'), 'v1.24.2\n'),
};

const BUILD_TIMEOUT_MS = 25 * 60_000;

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds `name` on PATH. */
export async function whichOnPath(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function cachedToolPath(cacheDir: string, tool: GoTool): string {
  return path.join(cacheBinDir(cacheDir), tool.binary);
}

/**
 * Builds `tool` into the cache with the local Go toolchain, once per machine: concurrent callers
 * (two test runs, say) wait for the first build instead of starting their own.
 *
 * It downloads the module with `go mod download` and builds a private copy, rather than
 * `go install module@version`, because `go install` also asks the proxy for the module's version
 * list, which some proxies refuse (the FerretDB list answers 403 here).
 */
export async function buildGoTool(tool: GoTool, cacheDir: string, log: Logger): Promise<string> {
  const target = cachedToolPath(cacheDir, tool);
  const lock = path.join(cacheLockDir(cacheDir), `build-${tool.binary}`);
  return withFileLock(
    lock,
    {
      timeoutMs: BUILD_TIMEOUT_MS,
      onWait: (pid) => log.info({ tool: tool.binary, holderPid: pid }, 'waiting for another process that is building this tool'),
    },
    async () => {
      if (await isExecutable(target)) return target; // built by whoever held the lock before us
      const started = Date.now();
      log.info({ tool: tool.binary, module: `${tool.module}@${tool.version}` }, 'building from the Go module proxy (first run only; takes a few minutes)');
      const work = await mkdtemp(path.join(tmpdir(), `capital-recon-build-${tool.binary}-`));
      // Built next to its final place so the rename is atomic (same file system).
      const partial = `${target}.${process.pid}.partial`;
      try {
        const { stdout } = await run('go', ['mod', 'download', '-json', `${tool.module}@${tool.version}`], {
          timeout: BUILD_TIMEOUT_MS,
          maxBuffer: 4 * 1024 * 1024,
        });
        const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
        if (!moduleDir) throw new Error(`go mod download gave no directory for ${tool.module}@${tool.version}`);
        const source = path.join(work, 'src');
        await cp(moduleDir, source, { recursive: true });
        await chmod(source, 0o755);
        await run('chmod', ['-R', 'u+w', source]);
        await tool.prepare?.(source);
        await mkdir(path.dirname(target), { recursive: true });
        const args = ['build', '-trimpath', '-o', partial];
        if (tool.ldflags) args.push('-ldflags', tool.ldflags);
        args.push(tool.packagePath);
        await run('go', args, { cwd: source, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GOFLAGS: '-buildvcs=false' } });
        await rename(partial, target);
        log.info({ tool: tool.binary, path: target, seconds: Math.round((Date.now() - started) / 1000) }, 'built and cached');
        return target;
      } catch (error) {
        const detail = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-5).join('\n');
        throw new Error(`Building ${tool.binary} (${tool.module}@${tool.version}) failed: ${(error as Error).message}${detail ? `\n${detail}` : ''}`, { cause: error });
      } finally {
        await rm(work, { recursive: true, force: true });
        await rm(partial, { force: true });
      }
    },
  );
}
