import { createBalanceActivities } from '../activities/balances';
import { createCapitalClient, recordTransportEvent } from '../lib/capital';
import { loadConfig } from '../lib/config';
import { startDevStack, stopOnSignals } from '../lib/devstack';
import { loadDefaultChart, loadDefaultRules } from '../lib/ledger/defaults';
import { periodWindows } from '../lib/ledger/windows';
import { createLogger, setRootLogger } from '../lib/log';
import { saveBookEntries } from '../lib/store/books';
import { parseBookRecord } from '../lib/store/books-file';
import { saveChartAndRules } from '../lib/store/chart';
import { connectMongo } from '../lib/store/mongo';
import { ensureIndexes } from '../lib/store/indexes';
import { connectTemporalClient } from '../lib/temporal/client';
import { startSimulator } from '../simulator';
import { booksBetween } from '../simulator/data/books';
import { workflowBundle } from '../workers/bundle';
import { createReconWorker } from '../workers/recon-worker';
import { installTemporalRuntime } from '../workers/runtime';
import type { reconcileAccountPeriod } from '../workflows/reconcile-account-period';
import { reconcileWorkflowId } from '../workflows/reconcile-account-period';
import { showProgress } from './progress';
import { formatSummary } from './summary';
import { verifyStatements } from '../lib/statements/verify';

export interface DemoOptions {
  period: string;
  seed: number;
  transactionsPerMonth: number;
  ui: boolean;
  keep?: boolean;
  json?: boolean;
}

const DEMO_TIME_ZONE = 'UTC';
/** Schedules run a couple of minutes after midnight, as a cron job would. */
const SCHEDULE_DELAY_MS = 2 * 60_000;

/**
 * `recon demo` / `npm run demo`: everything on this machine — Temporal with its UI, the database,
 * the Capital.com simulator and a worker — then one monthly reconciliation of a demo account
 * against the company's books, with its summary.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  setRootLogger(log);
  installTemporalRuntime(log);
  const say = (text: string) => {
    if (!options.json) console.error(text);
  };

  say('Starting Temporal, the database and the Capital.com simulator…');
  const stack = await startDevStack({ config, log, ui: options.ui, temporalPort: config.temporal.port ?? 7233 });
  const simulator = await startSimulator({ seed: options.seed, accountCount: 2, transactionsPerMonth: options.transactionsPerMonth, log, port: 0 });
  const mongo = await connectMongo(stack.mongo.uri, stack.mongo.database);
  const cleanUp = async () => {
    await mongo.close().catch(() => undefined);
    await simulator.close().catch(() => undefined);
    await stack.stop();
  };
  stopOnSignals(cleanUp, log);

  try {
    const account = simulator.accounts().find((a) => a.preferred) ?? (simulator.accounts()[0] as (typeof simulator.accounts extends () => Array<infer A> ? A : never));
    const { startMs, endMs } = periodWindows({ period: options.period, timeZone: DEMO_TIME_ZONE, nowMs: Date.now() });

    say(`Seeding the chart of accounts and the company's books for account ${account.accountId}, ${options.period}…`);
    await saveChartAndRules(mongo.db, { chart: loadDefaultChart(), ruleSets: loadDefaultRules() });
    await ensureIndexes(mongo.db);
    await saveBookEntries(mongo.db, [...booksBetween({ seed: options.seed, account, fromMs: startMs, toMs: endMs })].map(parseBookRecord));

    const capital = createCapitalClient({ capital: { environment: 'custom', baseUrl: simulator.url, ...simulator.credentials }, log, onEvent: recordTransportEvent });
    // In production a month-end schedule (or `recon balances capture`) keeps the broker's balance as
    // each month begins. Here the simulator's clock is set back to that moment to do the same, then
    // moved to just after the month, when the monthly run happens and keeps the closing balance.
    say('Capturing the opening balance snapshot at the start of the month, as the month-end schedule would have…');
    simulator.core.clock.freeze(startMs + SCHEDULE_DELAY_MS);
    await createBalanceActivities({ db: mongo.db, log, capitalFor: () => capital }).captureBalanceSnapshot({ accountId: account.accountId, takenBy: 'demo: month-start schedule' });
    simulator.core.clock.freeze(endMs + SCHEDULE_DELAY_MS);
    simulator.core.clock.unfreeze();
    const { worker, close: closeWorker } = await createReconWorker({
      address: stack.temporal.address,
      namespace: stack.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      bundle: await workflowBundle(config.cacheDir, log),
      db: mongo.db,
      log,
      capitalFor: () => capital,
      statements: { dir: config.statements.dir, legalEntity: process.env.RECON_LEGAL_ENTITY ?? 'Demo Trading Ltd' },
    });
    const running = worker.run();
    const client = await connectTemporalClient({ address: stack.temporal.address, namespace: stack.temporal.namespace });
    const workflowId = reconcileWorkflowId(account.accountId, options.period);
    say(`Reconciling (workflow ${workflowId})…`);
    const handle = await client.workflow.start<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ accountId: account.accountId, period: options.period, timeZone: DEMO_TIME_ZONE }],
    });
    const result = handle.result();
    if (!options.json) await showProgress(handle, result, (id) => client.workflow.getHandle(id));
    const summary = await result;
    const uiUrl = stack.temporal.uiUrl ? `${stack.temporal.uiUrl}/namespaces/${stack.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}` : undefined;
    // The auditor's check, while the database is still up: files, stored records and the chain agree.
    const verified = summary.statements ? await verifyStatements(summary.statements.dir, mongo.db) : undefined;
    console.log(options.json ? JSON.stringify({ ...summary, temporalUi: uiUrl, verified }, null, 2) : `\n${formatSummary(summary, uiUrl)}`);
    if (verified && !options.json) {
      console.log(verified.ok ? `Verified against the database and the audit chain (${verified.checks.length} checks). Later, \`npx recon verify ${summary.statements?.dir}\` re-checks the files.` : `VERIFICATION FAILED:\n${verified.checks.filter((c) => !c.ok).map((c) => `  ${c.check}: ${c.detail}`).join('\n')}`);
    }
    if (verified && !verified.ok) process.exitCode = 1;

    if (options.keep) {
      say(`\nThe stack keeps running: Temporal ${stack.temporal.address} (UI ${stack.temporal.uiUrl ?? 'off'}), MongoDB ${stack.mongo.uri}, simulator ${simulator.url}. Ctrl-C stops it.`);
      await running;
    } else {
      worker.shutdown();
      await running;
    }
    await client.connection.close();
    await closeWorker();
    capital.session.close();
  } finally {
    await cleanUp();
  }
}
