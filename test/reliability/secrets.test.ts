/**
 * Secrets: after a run with broker faults (5xx, 429, sessions invalidated, truncated bodies,
 * dropped streams) through the production wiring (configuration, Capital.com clients per account,
 * the recon and market-data workers, the API with its trade-intent webhook), the API key, login,
 * password, every CST and X-SECURITY-TOKEN the simulator issued, and the webhook and API secrets
 * appear nowhere, in no encoding: not in the logs (ours and the Temporal runtime's), not in any
 * history or description of the run's workflows (exported with the `temporal` CLI), not in the
 * statement files, not in any document of the run's database.
 *
 * Not looked at: the simulator's own log (it is the broker, not us), and the Temporal native
 * core's log lines below WARN (the runtime forwards only WARN and up, as in production).
 */
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { intentWebhookFrom, loadApiTokens, startApiServer, type RunningApi } from '../../api/main';
import { createBalanceActivities } from '../../activities/balances';
import { loadConfig } from '../../lib/config';
import { setRootLogger } from '../../lib/log';
import { readBooksFile } from '../../lib/store/books-file';
import { saveBookEntries } from '../../lib/store/books';
import { ensureIndexes } from '../../lib/store/indexes';
import { latestQuotes } from '../../lib/store/market-bars';
import { TRADE_INTENTS } from '../../lib/store/trade-intents';
import type { MongoHandle } from '../../lib/store/mongo';
import { connectTemporalClient } from '../../lib/temporal/client';
import { startMarketStream, stopMarketStream } from '../../lib/temporal/market-streams';
import { startReconciliation } from '../../lib/temporal/runs';
import { signWebhookBody } from '../../lib/trading/webhook-signature';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { booksBetween, writeBooksCsv } from '../../simulator/data/books';
import { allMarkets } from '../../simulator/data/markets';
import { capitalClientsFor } from '../../workers/capital';
import { createMarketWorker } from '../../workers/market-worker';
import { createReconWorker, type RunningWorker } from '../../workers/recon-worker';
import { installTemporalRuntime } from '../../workers/runtime';
import { tradingSettingsFrom } from '../../workers/trading-settings';
import { streamStateQuery, type StreamSettings } from '../../workflows/market-stream';
import { bySize } from '../helpers/reliability';
import { artifactTexts, capturingLogger, decodedPayloads, dumpDatabase, exportExecution, mapBounded, SecretScanner, temporalCliPath, type ExportedExecution, type Secret } from '../helpers/secrets-scan';
import { quietLog } from '../helpers/simulator';
import { openTestDatabase, testStack, uniqueName, type TestStack } from '../helpers/stack';
import { until } from '../helpers/until';

const SEED = 47;
const PERIOD = '2025-03';
const MONTH = { fromMs: Date.UTC(2025, 2, 1), toMs: Date.UTC(2025, 3, 1) };
/** The run happens on a Tuesday morning: the month is over and GOLD trades. */
const RUN_AT_MS = Date.UTC(2025, 3, 1, 10, 0);

/** Distinctive values, with characters that URL and JSON encoding change, so every form is searched for. */
const CREDENTIALS = {
  apiKey: 'SECRETSAPIKEY-47-q8Zr2VwXk5Nt9Lp3',
  identifier: 'leak.hunter+47@secrets-suite.test',
  password: 'Pa55 "w0rd"/47+&=?~secrets\\tail',
};
const INTENT_SECRET = 'intentHmacSecret47.Yb6Tq2Wm9Xc4Rk8Vn3Pz';
const INTENT_TOKEN = 'intentToken47_Hs5Dj8Kq2Lw7Ft4Gm9Bx6Cv1';
const API_TOKEN = 'apiReaderToken47-Ue3Ri8Oy5Tp2Aw7Sd4Qf9Zx';

const SIZE = bySize({
  full: { transactionsPerMonth: 100_000, invalidateSessionEvery: 100, dropStreamsEveryMs: 60_000, streamForMs: 90_000, timeoutMs: 40 * 60_000 },
  reduced: { transactionsPerMonth: 1_500, invalidateSessionEvery: 60, dropStreamsEveryMs: 4_000, streamForMs: 8_000, timeoutMs: 8 * 60_000 },
});
const FAULTS = { serverErrorRate: 0.1, rateLimitRate: 0.05, truncatedBodyRate: 0.03, invalidateSessionEvery: SIZE.invalidateSessionEvery, dropStreamsEveryMs: SIZE.dropStreamsEveryMs };
const STREAM_EPICS = allMarkets().slice(0, 4).map((market) => market.epic);
/** Pings, renewals and continue-as-new within seconds, so the short stream does all of them. */
const STREAM_SETTINGS: Partial<StreamSettings> = {
  batchRunMs: 10 * 60_000,
  sessionPingMs: 1_500,
  sessionRenewMs: 4_000,
  historyEventsMax: 60,
  tuning: { pingIntervalMs: 2_000, staleAfterMs: 2_000, silentFailAfterMs: 3_000, writeEveryMs: 50, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } },
};

/** What the run left behind, collected once; each test below searches one kind of it. */
interface Material {
  accountId: string;
  secrets: Secret[];
  logLines: string[];
  consoleText: string;
  executions: ExportedExecution[];
  artifacts: Awaited<ReturnType<typeof artifactTexts>>;
  reconWorkflowId: string;
  streamWorkflowId: string;
  intentIds: string[];
  intentStatuses: string[];
  simulatorStats: ReturnType<RunningSimulator['stats']>;
  runMs: number;
}

describe('no secret anywhere after a run with broker faults', { timeout: SIZE.timeoutMs }, () => {
  const captured = capturingLogger('trace');
  const log = captured.log;
  let stack: TestStack;
  let mongo: MongoHandle;
  let simulator: RunningSimulator;
  let statementsDir: string;
  let material: Material;
  const closers: Array<() => Promise<unknown>> = [];

  before(async () => {
    // First thing in this process: the Temporal runtime (SDK and native core) logs into our capture.
    installTemporalRuntime(log);
    setRootLogger(log);
    // The runtime shuts itself down when its last worker closes; on an early failure it is shut down here.
    const runtime = Runtime.instance();
    closers.push(() => runtime.shutdown());
    runtime.logger.info('secrets suite: the runtime logs here');
    runtime.flushLogs();
    assert.ok(captured.lines().some((line) => line.includes('secrets suite: the runtime logs here')), 'the Temporal runtime was installed before this suite and logs elsewhere');
    const consoleOutput = teeConsole();
    closers.push(async () => consoleOutput.restore());

    stack = testStack();
    mongo = await openTestDatabase(stack, 'secrets');
    await ensureIndexes(mongo.db);
    simulator = await startSimulator({ seed: SEED, port: 0, log: quietLog, credentials: CREDENTIALS, transactionsPerMonth: SIZE.transactionsPerMonth, confirmDelayMs: 300, faults: FAULTS });
    const account = simulator.accounts().find((a) => a.preferred) ?? simulator.accounts()[0]!;
    const accountId = account.accountId;
    const apiTokenSpec = `reader:${API_TOKEN}:trading:read+runs:read`;
    const config = loadConfig({
      HOME: process.env.HOME,
      XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
      TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH,
      CAPITAL_ENV: 'custom',
      CAPITAL_BASE_URL: simulator.url,
      CAPITAL_API_KEY: CREDENTIALS.apiKey,
      CAPITAL_IDENTIFIER: CREDENTIALS.identifier,
      CAPITAL_PASSWORD: CREDENTIALS.password,
      RECON_INTENT_SOURCES: `desk:hmac:${INTENT_SECRET}:${accountId},tv:token:${INTENT_TOKEN}:${accountId}`,
      RECON_API_TOKENS: apiTokenSpec,
    });
    const cli = await temporalCliPath(config);
    const capitalFor = capitalClientsFor(config, log);
    closers.push(async () => capitalFor(accountId).session.close());

    await loadBooks(mongo, account);
    // The balance as the month begins (a month-end schedule keeps it), then the run on 1 April.
    simulator.core.clock.freeze(MONTH.fromMs + 120_000);
    await createBalanceActivities({ db: mongo.db, log, capitalFor }).captureBalanceSnapshot({ accountId, takenBy: 'secrets suite: month start' });
    simulator.core.clock.freeze(RUN_AT_MS);
    simulator.core.clock.unfreeze();

    statementsDir = mkdtempSync(path.join(tmpdir(), 'recon-secrets-statements-'));
    const target = { address: stack.address, namespace: stack.namespace, bundle: { codePath: stack.bundlePath }, db: mongo.db, log };
    const reconQueue = uniqueName('secrets-recon');
    const marketQueue = uniqueName('secrets-market');
    const workers: RunningWorker[] = [
      await createReconWorker({ ...target, taskQueue: reconQueue, capitalFor, statements: { dir: statementsDir, legalEntity: 'Secrets Suite Ltd' }, trading: tradingSettingsFrom(config) }),
      await createMarketWorker({ ...target, taskQueue: marketQueue, capitalFor, quoteRetentionDays: config.market.quoteRetentionDays }),
    ];
    const running = workers.map((w) => w.worker.run());
    const client = await connectTemporalClient({ address: stack.address, namespace: stack.namespace });
    const intents = intentWebhookFrom(config, log);
    const api = await startApiServer({ host: '127.0.0.1', port: 0, tokens: loadApiTokens(apiTokenSpec), taskQueue: reconQueue, statementsDir, temporal: client, db: mongo.db, log, ...(intents ? { intents } : {}) });

    // A little early: the list below keeps only this run's executions anyway.
    const startedAt = new Date(Date.now() - 5_000);
    const started = Date.now();
    let intentOutcome: { ids: string[]; statuses: string[] };
    let reconWorkflowId: string;
    let streamWorkflowId: string;
    try {
      const recon = await startReconciliation(client, reconQueue, { accountId, period: PERIOD, timeZone: 'UTC' });
      reconWorkflowId = recon.workflowId;
      const [, stream, outcome] = await Promise.all([
        recon.handle.result(),
        streamBriefly(client, simulator, mongo, accountId, marketQueue),
        sendIntents(api, client),
      ]);
      streamWorkflowId = stream;
      intentOutcome = outcome;
    } finally {
      await api.close();
      await client.connection.close();
      for (const w of workers) w.worker.shutdown();
      await Promise.allSettled(running);
      for (const w of workers) await w.close();
    }
    const runMs = Date.now() - started;

    const exportClient = await connectTemporalClient({ address: stack.address, namespace: stack.namespace });
    const runs = await executionsOfRun(exportClient, startedAt, [reconQueue, marketQueue], accountId).finally(() => exportClient.connection.close());
    const executions = await mapBounded(runs, 2, (execution) => exportExecution({ cli, address: stack.address, namespace: stack.namespace }, execution.workflowId, execution.runId));

    const issued = simulator.core.sessions.issuedTokens();
    material = {
      accountId,
      secrets: [
        { name: 'API key', value: CREDENTIALS.apiKey },
        { name: 'login', value: CREDENTIALS.identifier },
        { name: 'password', value: CREDENTIALS.password },
        { name: 'intent HMAC secret', value: INTENT_SECRET },
        { name: 'intent token', value: INTENT_TOKEN },
        { name: 'API token', value: API_TOKEN },
        ...issued.flatMap((tokens, i) => [
          { name: `CST #${i + 1}`, value: tokens.cst },
          { name: `X-SECURITY-TOKEN #${i + 1}`, value: tokens.securityToken },
        ]),
      ],
      logLines: captured.lines(),
      consoleText: consoleOutput.text(),
      executions,
      artifacts: await artifactTexts(statementsDir),
      reconWorkflowId,
      streamWorkflowId,
      intentIds: intentOutcome.ids,
      intentStatuses: intentOutcome.statuses,
      simulatorStats: simulator.stats(),
      runMs,
    };
    consoleOutput.restore();
  }, { timeout: SIZE.timeoutMs });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await simulator?.close();
    await mongo?.close();
    if (statementsDir) rmSync(statementsDir, { recursive: true, force: true });
  });

  test('the run was a real one: faults injected, sessions renewed, every kind of material non-trivial', (t) => {
    const { simulatorStats: stats, executions, accountId } = material;
    const tokenPairs = material.secrets.filter((s) => s.name.startsWith('CST #')).length;
    const streamRuns = executions.filter((e) => e.workflowId === material.streamWorkflowId);
    t.diagnostic(
      `${material.runMs} ms run; ${stats.requests} broker requests, ${stats.injectedFaults} faults, ${stats.sessionsInvalidated} sessions invalidated, ${tokenPairs} token pairs issued; ` +
        `${executions.length} executions exported (${streamRuns.length} stream runs); ${material.logLines.length} log lines; ${material.artifacts.files.length} statement files; intents ${material.intentStatuses.join(', ')}`,
    );
    assert.ok(stats.injectedFaults > 0, 'faults were injected');
    assert.ok(stats.sessionsInvalidated > 0, 'sessions were invalidated under the run');
    assert.ok(tokenPairs >= 3, `the simulator issued ${tokenPairs} session(s); logins again after invalidations and renewals expected`);

    const ids = new Set(executions.map((e) => e.workflowId));
    assert.ok(ids.has(material.reconWorkflowId), 'the reconciliation was exported');
    assert.ok([...ids].some((id) => id.startsWith(`${material.reconWorkflowId}:ingest:`)), 'its ingest children were exported');
    assert.ok(streamRuns.length >= 2, `the stream continued as new and every run was exported (${streamRuns.length} runs)`);
    for (const intentId of material.intentIds) assert.ok(ids.has(intentId), `${intentId} was exported`);
    const recon = executions.find((e) => e.workflowId === material.reconWorkflowId)!;
    assert.ok(recon.history.includes(accountId), 'the account id appears in the reconciliation history');
    assert.ok(recon.description.includes(accountId) && recon.description.includes('ReconAccountId'), 'the search attributes were exported');
    assert.ok(recon.description.includes('ingestDigest'), 'the memo was exported');
    assert.ok(streamRuns.every((e) => e.history.includes(accountId)), 'the account id appears in every stream history');

    const lines = material.logLines;
    assert.ok(lines.some((line) => line.includes('logging in to Capital.com')), 'the log has login lines');
    assert.ok(lines.some((line) => line.includes('Capital.com call failed; retrying')), 'the log has retries');
    assert.ok(lines.some((line) => line.includes('"component":"temporal-sdk"')), 'the Temporal runtime logged into the capture');
    assert.ok(lines.some((line) => line.includes('/webhooks/trade-intents')), 'the API logged its requests');
    assert.ok(material.artifacts.files.length >= 5, `statement files written: ${material.artifacts.files.join(', ')}`);
    assert.ok(material.artifacts.texts.some((text) => text.part !== 'bytes' && text.part !== 'bytes as latin1' && text.text.includes(accountId)), 'compressed statement parts were inflated and read');
  });

  test('the search finds every secret in every form it could take (the scans below are not blind)', () => {
    const scanner = new SecretScanner(material.secrets);
    for (const { name, value } of material.secrets) {
      const forms = [
        `{"msg":"${JSON.stringify(value).slice(1, -1)}"}`,
        `GET /x?a=1&v=${encodeURIComponent(value)}&b=2`,
        ...[0, 1, 2].map((offset) => Buffer.from(`${'p'.repeat(offset)}{"v":"${value}"}`).toString('base64')),
        Buffer.from(`:${value}:`).toString('base64url'),
        `0x${Buffer.from(value).toString('hex')}`,
      ];
      for (const [i, form] of forms.entries()) assert.ok(scanner.scan(`${name} planted in form ${i + 1}`, form) > 0, `${name} is not found in form ${i + 1}`);
    }
    assert.equal(scanner.scan('text without secrets', material.executions.map((e) => e.workflowId).join(' ')), 0);
  });

  test('no secret in the logs or on the console', (t) => {
    const scanner = new SecretScanner(material.secrets);
    material.logLines.forEach((line, i) => scanner.scan(`log line ${i + 1}`, line));
    scanner.scan('console output', material.consoleText);
    assert.equal(scanner.findingCount, 0, scanner.report());
    t.diagnostic(`${material.logLines.length} log lines, ${scanner.scannedChars} characters, ${scanner.patterns.length} patterns`);
  });

  test('no secret in any history, including continued-as-new runs, nor in its decoded payloads', (t) => {
    const scanner = new SecretScanner(material.secrets);
    for (const execution of material.executions) {
      const where = `history of ${execution.workflowId} (run ${execution.runId})`;
      scanner.scan(where, execution.history);
      decodedPayloads(JSON.parse(execution.history)).forEach((payload, i) => scanner.scan(`${where}, payload ${i + 1}`, payload));
    }
    assert.equal(scanner.findingCount, 0, scanner.report());
    t.diagnostic(`${material.executions.length} histories, ${scanner.scannedTexts} texts, ${scanner.scannedChars} characters`);
  });

  test('no secret in any search attribute, memo or pending activity', (t) => {
    const scanner = new SecretScanner(material.secrets);
    for (const execution of material.executions) {
      const where = `description of ${execution.workflowId} (run ${execution.runId})`;
      scanner.scan(where, execution.description);
      decodedPayloads(JSON.parse(execution.description)).forEach((payload, i) => scanner.scan(`${where}, payload ${i + 1}`, payload));
    }
    assert.equal(scanner.findingCount, 0, scanner.report());
    t.diagnostic(`${material.executions.length} descriptions, ${scanner.scannedChars} characters`);
  });

  test('no secret in the statement files', (t) => {
    const scanner = new SecretScanner(material.secrets);
    for (const text of material.artifacts.texts) scanner.scan(`${text.file} (${text.part})`, text.text);
    assert.equal(scanner.findingCount, 0, scanner.report());
    t.diagnostic(`${material.artifacts.files.length} files, ${material.artifacts.texts.length} parts, ${scanner.scannedChars} characters`);
  });

  test('no secret in any document of the database', { timeout: SIZE.timeoutMs }, async (t) => {
    const scanner = new SecretScanner(material.secrets);
    const perCollection = new Map<string, number>();
    let withAccount = 0;
    for await (const document of dumpDatabase(mongo.db)) {
      scanner.scan(`${document.collection} ${document.id}`, document.text);
      perCollection.set(document.collection, (perCollection.get(document.collection) ?? 0) + 1);
      if (document.text.includes(material.accountId)) withAccount++;
    }
    const documents = [...perCollection.values()].reduce((sum, n) => sum + n, 0);
    assert.ok(documents > SIZE.transactionsPerMonth, `${documents} documents dumped`);
    assert.ok(withAccount > 0, 'the account id appears in the documents');
    assert.ok(perCollection.has(TRADE_INTENTS), `the trade intents were dumped (${[...perCollection.keys()].join(', ')})`);
    assert.equal(scanner.findingCount, 0, scanner.report());
    t.diagnostic(`${documents} documents in ${perCollection.size} collections (${withAccount} name the account), ${scanner.scannedChars} characters`);
  });
});

async function loadBooks(mongo: MongoHandle, account: ReturnType<RunningSimulator['accounts']>[number]): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'recon-secrets-books-'));
  try {
    const file = path.join(dir, 'books.csv');
    const out = createWriteStream(file);
    await writeBooksCsv(booksBetween({ seed: SEED, account, ...MONTH }), out);
    out.end();
    await once(out, 'finish');
    await saveBookEntries(mongo.db, readBooksFile(file, 'csv'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A stream long enough to store quotes, renew its session and continue as new at least once; then stopped. */
async function streamBriefly(client: Client, simulator: RunningSimulator, mongo: MongoHandle, accountId: string, taskQueue: string): Promise<string> {
  const { workflowId } = await startMarketStream(client, { accountId, streamId: 'secrets', epics: STREAM_EPICS, taskQueue, settings: STREAM_SETTINGS });
  const since = simulator.core.clock.now();
  const startedMs = Date.now();
  const waitMs = SIZE.streamForMs + 60_000;
  await until('streamed quotes stored', async () => (await latestQuotes(mongo.db, STREAM_EPICS)).some((quote) => quote.atMs > since), waitMs);
  await until('a session renewal and a continue-as-new', async () => {
    const { totals } = await client.workflow.getHandle(workflowId).query(streamStateQuery);
    return totals.sessionRenewals > 0 && totals.continuedAsNew > 0 && Date.now() - startedMs >= SIZE.streamForMs;
  }, waitMs);
  await stopMarketStream(client, accountId, 'secrets');
  return workflowId;
}

/** One signed intent and one from a token source (token in the query string), each run to its end, then read back. */
async function sendIntents(api: RunningApi, client: Client): Promise<{ ids: string[]; statuses: string[] }> {
  const body = (key: string) => JSON.stringify({ strategy: 'secrets', instrument: 'GOLD', direction: 'BUY', size: '1', stopLoss: { distance: '20' }, idempotencyKey: key });
  const signedBody = body(uniqueName('secrets-signed'));
  const deliveries = [
    fetch(`${api.url}/webhooks/trade-intents`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-recon-source': 'desk', 'x-recon-signature': signWebhookBody(INTENT_SECRET, signedBody, Date.now()) }, body: signedBody }),
    fetch(`${api.url}/webhooks/trade-intents?source=tv&token=${INTENT_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(uniqueName('secrets-token')) }),
  ];
  const ids: string[] = [];
  for (const answer of await Promise.all(deliveries)) {
    const text = await answer.text();
    assert.equal(answer.status, 202, text);
    ids.push((JSON.parse(text) as { intentId: string }).intentId);
  }
  const statuses: string[] = [];
  for (const id of ids) {
    // Under broker faults an intent may end failed (an order lost twice is given up, by design):
    // it still ran, and its history is searched like any other.
    const status = await client.workflow
      .getHandle(id)
      .result()
      .then(
        (outcome: { status: string }) => outcome.status,
        (error: unknown) => {
          if (!(error instanceof WorkflowFailedError)) throw error;
          return `FAILED (${error.cause?.message ?? error.message})`;
        },
      );
    statuses.push(status);
    const shown = await fetch(`${api.url}/trade-intents/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(shown.status, 200, await shown.text());
  }
  return { ids, statuses };
}

/** Every execution (each run of each workflow) the run started: on its task queues, or naming its account. */
async function executionsOfRun(client: Client, since: Date, taskQueues: readonly string[], accountId: string): Promise<Array<{ workflowId: string; runId: string }>> {
  const found: Array<{ workflowId: string; runId: string }> = [];
  for await (const execution of client.workflow.list({ query: `StartTime >= "${since.toISOString()}"` })) {
    if (taskQueues.includes(execution.taskQueue) || execution.workflowId.includes(accountId)) found.push({ workflowId: execution.workflowId, runId: execution.runId });
  }
  return found.sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.runId.localeCompare(b.runId));
}

/** Copies whatever is written to stdout and stderr (a stray console.log) while the run lasts. */
function teeConsole(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const tee = (original: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
    function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (original as (...args: unknown[]) => boolean).apply(stream, [chunk, ...rest]);
    } as typeof process.stdout.write;
  process.stdout.write = tee(originals.out, process.stdout);
  process.stderr.write = tee(originals.err, process.stderr);
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

