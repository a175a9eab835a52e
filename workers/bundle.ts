import { bundleWorkflowCode, type WorkflowBundlePath } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../lib/log';
import { temporalLoggerFor } from './runtime';

const WORKFLOWS_DIR = path.resolve(__dirname, '..', 'workflows');

/**
 * The workflow bundle, built once and cached by the hash of the workflow sources and the SDK
 * version, so test runs, `recon dev` and workers reuse one bundle instead of re-running webpack.
 */
export async function workflowBundle(cacheDir: string, log: Logger): Promise<WorkflowBundlePath> {
  const digest = await sourceDigest();
  const codePath = path.join(cacheDir, 'bundles', `workflows-${digest}.js`);
  if (await exists(codePath)) return { codePath };

  const started = Date.now();
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve(WORKFLOWS_DIR), logger: temporalLoggerFor(log.child({ component: 'bundler' }, { level: 'warn' })) });
  await mkdir(path.dirname(codePath), { recursive: true });
  const partial = `${codePath}.${process.pid}.partial`;
  await writeFile(partial, bundle.code);
  await rename(partial, codePath);
  log.info({ codePath, ms: Date.now() - started }, 'workflow bundle built');
  return { codePath };
}

async function sourceDigest(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(require.resolve('@temporalio/worker/package.json')));
  const files = (await readdir(WORKFLOWS_DIR, { recursive: true })).filter((f) => /\.(ts|js)$/.test(f)).sort();
  for (const file of files) {
    hash.update(file);
    hash.update(await readFile(path.join(WORKFLOWS_DIR, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
