import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../../lib/devstack/paths';
import { connectMongo } from '../../../lib/store/mongo';
import { startSimulator, type RunningSimulator } from '../../../simulator';
import { recon } from '../../helpers/recon-cli';
import { quietLog } from '../../helpers/simulator';
import { testStack, uniqueName } from '../../helpers/stack';

const STARTUP_MS_MAX = 60_000;
const RUN_MS_MAX = 90_000;

/**
 * The operator's loop of the issue: with `recon dev` running, curl lists the runs and downloads a
 * statement whose hash is what `recon verify` checks. `recon dev` uses the test run's Temporal and
 * database (TEMPORAL_ADDRESS and MONGODB_URI are honoured), so only its worker and API are new.
 */
describe('recon dev serves the HTTP API with a dev token', () => {
  let child: ChildProcess;
  let simulator: RunningSimulator;
  let statementsDir: string;
  let env: NodeJS.ProcessEnv;
  let output = '';
  let api: string;
  let token: string;

  before(async () => {
    testStack();
    // A seed no other test uses: every test shares the server's namespace, and a month's workflow
    // id comes from the account id, which comes from the seed.
    simulator = await startSimulator({ seed: 71, accountCount: 1, transactionsPerMonth: 60, log: quietLog, port: 0 });
    statementsDir = mkdtempSync(path.join(tmpdir(), 'recon-dev-statements-'));
    env = {
      ...process.env,
      TEMPORAL_TASK_QUEUE: uniqueName('dev-api'),
      MONGODB_DB: uniqueName('t_dev_api').replace(/-/g, '_'),
      RECON_STATEMENTS_DIR: statementsDir,
      CAPITAL_ENV: 'custom',
      CAPITAL_BASE_URL: simulator.url,
      CAPITAL_API_KEY: simulator.credentials.apiKey,
      CAPITAL_IDENTIFIER: simulator.credentials.identifier,
      CAPITAL_PASSWORD: simulator.credentials.password,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    };
    delete env.RECON_API_TOKENS;
    child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'recon.js'), 'dev', '--no-ui', '--api-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + STARTUP_MS_MAX;
    while (!/Ctrl-C stops everything/.test(output) && child.exitCode === null && Date.now() < deadline) await sleep(100);
    api = /HTTP API\s+(http:\/\/\S+)/.exec(output)?.[1] ?? '';
    token = /API token\s+(\S+)/.exec(output)?.[1] ?? '';
  });

  after(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await simulator?.close();
    if (env?.MONGODB_URI && env.MONGODB_DB) {
      const mongo = await connectMongo(env.MONGODB_URI, env.MONGODB_DB);
      await mongo.db.dropDatabase().catch(() => undefined);
      await mongo.close();
    }
    if (statementsDir) rmSync(statementsDir, { recursive: true, force: true });
  });

  const get = (route: string, withToken = true) => fetch(`${api}${route}`, { headers: withToken ? { authorization: `Bearer ${token}` } : {} });

  test('the banner shows the API on loopback, a dev token once, and a curl line', () => {
    assert.match(api, /^http:\/\/127\.0\.0\.1:\d+$/, output);
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.match(output, /a dev token for this session only: every scope, loopback only/);
    assert.equal(output.split(token).length - 1, 2, 'the token appears in the banner line and the curl line only');
    assert.ok(output.includes(`curl -s -H "Authorization: Bearer ${token}" ${api}/runs`));
  });

  test('a run started through the API is listed, and its statement downloads with the hash recon verify checks', async () => {
    assert.equal((await get('/healthz', false)).status, 200);
    assert.equal((await get('/runs', false)).status, 401);
    const accountId = simulator.accounts()[0]!.accountId;
    const started = await fetch(`${api}/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountId, period: '2025-01' }),
    });
    assert.equal(started.status, 202, await started.clone().text());
    const { workflowId } = (await started.json()) as { workflowId: string };

    const deadline = Date.now() + RUN_MS_MAX;
    let status = 'RUNNING';
    while (status === 'RUNNING' && Date.now() < deadline) {
      await sleep(500);
      status = ((await (await get(`/runs/${workflowId}`)).json()) as { status: string }).status;
    }
    assert.match(status, /^COMPLETED/, `run ended ${status}\n${output}`);
    const listed = (await (await get(`/runs?accountId=${accountId}`)).json()) as { items: Array<{ workflowId: string }> };
    // Visibility is eventually consistent; GET /runs/{id} above read the run itself.
    if (listed.items.length > 0) assert.equal(listed.items[0]!.workflowId, workflowId);

    const statements = (await (await get(`/statements?accountId=${accountId}&period=2025-01`)).json()) as { items: Array<{ files: Array<{ file: string; href: string }> }> };
    const pdf = statements.items[0]!.files.find((f) => f.file.endsWith('.pdf'))!;
    const download = await get(pdf.href);
    assert.equal(download.status, 200);
    const sha256 = createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex');
    assert.equal(download.headers.get('x-content-sha256'), sha256);

    const verify = await recon(env, 'verify', workflowId, '--json');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const checks = (JSON.parse(verify.stdout) as { checks: Array<{ check: string; detail: string }> }).checks;
    assert.ok(checks.find((c) => c.check === pdf.file)?.detail.includes(sha256), JSON.stringify(checks));
  });

  test('Ctrl-C stops the API with the rest', async () => {
    child.kill('SIGINT');
    await once(child, 'exit');
    assert.match(output, /recon dev: stopped the API, Temporal, the database and the worker/);
    await assert.rejects(fetch(`${api}/healthz`));
  });
});
