import { startDevStack } from '../lib/devstack';
import { workflowBundle } from '../workers/bundle';
import { apiLoadSeed, describeLoad, loadTargets, loadToken, reconcileStatements, runLoadClient, startApiProcess, type LoadReport } from '../test/helpers/api-load';
import type { TestStack } from '../test/helpers/stack';
import { Measurements, type Figure } from './harness';
import type { BenchContext } from './run';

/** The load of the reliability suite's full size (test/reliability/api-load.test.ts). */
const CONCURRENCY = 200;
const DURATION_MS = 60_000;
const MONTHS = 3;
const TRANSACTIONS_PER_MONTH = 1_000;

/**
 * The HTTP API under load: `recon api` in its own process (a fresh one per run, so its peak RSS is
 * that run's) serving three reconciled months, 200 clients in a second process on keep-alive
 * connections for 60 s: statement listings, downloads of every format (every byte hashed and
 * checked) and revalidations (304). Requests/s, p50/p99 overall and per route, errors, and the
 * server's peak RSS.
 */
export async function apiLoad(ctx: BenchContext): Promise<Figure[]> {
  const devStack = await startDevStack({ config: ctx.config, log: ctx.log, ui: false });
  const m = new Measurements();
  try {
    const bundle = await workflowBundle(ctx.config.cacheDir, ctx.log);
    const stack: TestStack = {
      address: devStack.temporal.address,
      namespace: devStack.temporal.namespace,
      mongoUri: devStack.mongo.uri,
      bundlePath: bundle.codePath,
      temporalDescription: devStack.temporal.description,
      mongoDescription: devStack.mongo.description,
    };
    const seed = apiLoadSeed();
    const statements = await reconcileStatements(stack, { seed, months: MONTHS, transactionsPerMonth: TRANSACTIONS_PER_MONTH });
    try {
      for (let i = 0; i < ctx.runs; i++) {
        const { token, spec } = loadToken();
        const api = await startApiProcess(stack, statements, spec);
        try {
          const targets = await loadTargets(api.url, token, statements, seed);
          const report = await runLoadClient({ baseUrl: api.url, token, targets, concurrency: CONCURRENCY, durationMs: DURATION_MS });
          for (const line of describeLoad(report)) ctx.log.info(`run ${i + 1}: ${line}`);
          record(m, report);
          const peakRssMb = api.peakRssMb();
          if (peakRssMb !== undefined) m.add('peak RSS of the API server process', 'MB', peakRssMb);
          if (report.errors > 0) ctx.notes.push(`run ${i + 1}: ${report.errors} errors ${JSON.stringify(report.errorsByKind)}; first: ${report.errorSamples[0]}`);
          const serverErrors = api.log().errorLines;
          if (serverErrors.length > 0) ctx.notes.push(`run ${i + 1}: the server logged errors, first: ${serverErrors[0]}`);
        } finally {
          await api.stop();
        }
      }
    } finally {
      await statements.close();
    }
    ctx.notes.push(`${CONCURRENCY} clients for ${DURATION_MS / 1000} s against ${MONTHS} months of ${TRANSACTIONS_PER_MONTH} transactions (seed ${seed})`);
  } finally {
    await devStack.stop();
  }
  return [
    ...m.figures(['requests per second', 'errors', 'p50 overall', 'p99 overall', 'max overall', 'MiB read per second', 'connections opened', 'peak RSS of the API server process']),
    ...m.figuresStartingWith('req/s '),
    ...m.figuresStartingWith('p50 ').filter((f) => f.name !== 'p50 overall'),
    ...m.figuresStartingWith('p99 ').filter((f) => f.name !== 'p99 overall'),
  ];
}

function record(m: Measurements, report: LoadReport): void {
  m.add('requests per second', 'req/s', report.requestsPerSecond);
  m.add('errors', 'requests', report.errors);
  m.add('p50 overall', 'ms', report.overall.p50Ms ?? 0);
  m.add('p99 overall', 'ms', report.overall.p99Ms ?? 0);
  m.add('max overall', 'ms', report.overall.maxMs ?? 0);
  m.add('MiB read per second', 'MiB/s', report.bytes / 2 ** 20 / (report.elapsedMs / 1000));
  m.add('connections opened', 'sockets', report.connectionsOpened);
  for (const [route, figures] of Object.entries(report.routes).sort(([a], [b]) => a.localeCompare(b))) {
    m.add(`req/s ${route}`, 'req/s', figures.requests / (report.elapsedMs / 1000));
    m.add(`p50 ${route}`, 'ms', figures.p50Ms ?? 0);
    m.add(`p99 ${route}`, 'ms', figures.p99Ms ?? 0);
  }
}
