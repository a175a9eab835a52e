/**
 * `npm test`: every test file in one `node --test` run. Before it, one Temporal dev server and one
 * database are started for the whole run (and the workflow bundle is built once); after it, they
 * are stopped, whether tests passed, failed or the run was interrupted.
 *
 *   npm test                          unit + integration + the reliability suite in its reduced size
 *   npm test -- --unit                unit tests only (no servers)
 *   npm test -- test/integration/x.test.ts   just these files
 *   npm run test:reliability          the reliability suite (test/reliability) in its full size
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../lib/config';
import { startDevStack, stopOnSignals, type DevStack } from '../lib/devstack';
import { projectRoot } from '../lib/devstack/paths';
import { createLogger } from '../lib/log';
import { workflowBundle } from '../workers/bundle';
import { installTemporalRuntime } from '../workers/runtime';

const TEST_TIMEOUT_MS = 10 * 60_000;
/** Node applies --test-timeout to each test file as a whole too: the full reliability suite's files run longer. */
const FULL_RELIABILITY_TIMEOUT_MS = 90 * 60_000;

async function main(): Promise<number> {
  const root = projectRoot();
  const args = process.argv.slice(2);
  const unitOnly = args.includes('--unit');
  const reliabilityOnly = args.includes('--reliability');
  const named = args.filter((a) => !a.startsWith('--'));
  const folders = unitOnly ? ['unit'] : reliabilityOnly ? ['reliability'] : ['unit', 'integration', 'reliability'];
  const files = named.length > 0 ? named : await testFiles(path.join(root, 'test'), folders);
  const needsStack = files.some((f) => /(^|[\\/])(integration|reliability)[\\/]/.test(f));
  // The reliability suite sizes itself from this (test/helpers/reliability.ts): full on request, else reduced.
  if (reliabilityOnly) process.env.RECON_RELIABILITY_SIZE ??= 'full';

  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info', format: 'pretty' });
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', LOG_FORMAT: 'json' };
  let stack: DevStack | undefined;
  if (needsStack) {
    installTemporalRuntime(log);
    const config = loadConfig();
    const started = Date.now();
    stack = await startDevStack({ config, log, ui: false });
    const activeStack = stack;
    stopOnSignals(() => activeStack.stop(), log);
    const bundle = await workflowBundle(config.cacheDir, log);
    Object.assign(env, {
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_NAMESPACE: stack.temporal.namespace,
      MONGODB_URI: stack.mongo.uri,
      RECON_TEST_WORKFLOW_BUNDLE: bundle.codePath,
      RECON_TEST_STACK: JSON.stringify({ temporal: stack.temporal.description, mongo: stack.mongo.description }),
    });
    console.log(
      [
        `Integration tests run against (started in ${((Date.now() - started) / 1000).toFixed(1)} s):`,
        `  Temporal  ${stack.temporal.address}  ${stack.temporal.description}`,
        `  Database  ${stack.mongo.uri}  ${stack.mongo.description}`,
        '',
      ].join('\n'),
    );
  }

  try {
    return await runNodeTest(files, env, process.env.RECON_RELIABILITY_SIZE === 'full' ? FULL_RELIABILITY_TIMEOUT_MS : TEST_TIMEOUT_MS);
  } finally {
    await stack?.stop();
  }
}

async function testFiles(testRoot: string, kinds: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const kind of kinds) {
    const dir = path.join(testRoot, kind);
    const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    found.push(...entries.filter((e) => e.endsWith('.test.ts')).map((e) => path.join(dir, e)));
  }
  return found.sort();
}

function runNodeTest(files: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<number> {
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${timeoutMs}`, ...files];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm test: ${(error as Error).message}`);
    process.exit(1);
  },
);
