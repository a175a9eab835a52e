import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../lib/devstack/paths';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `recon …` as a user would (a separate process), with extra environment variables. */
export async function recon(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return run(process.execPath, [path.join(projectRoot(), 'bin', 'recon.js'), ...args], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}
