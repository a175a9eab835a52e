import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { MongoClient } from 'mongodb';
import { parseTokenSpec } from '../../../api/auth/tokens';
import { mongoReadiness, temporalReadiness } from '../../../api/readiness';
import { buildApi } from '../../../api/server';
import { createBalanceActivities } from '../../../activities/balances';
import { recordTransportEvent } from '../../../lib/capital';
import { createLogger } from '../../../lib/log';
import { runDirectoryName } from '../../../lib/statements/render';
import { verifyStatements } from '../../../lib/statements/verify';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { EXCEPTIONS } from '../../../lib/store/reconciliation';
import { TRANSACTIONS, type TransactionDocument } from '../../../lib/store/transactions';
import type { ReconcileSummary } from '../../../workflows/reconcile-account-period';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

const ALL = 'all-'.padEnd(48, 'a');
const READER = 'read-'.padEnd(48, 'r');
const month = (m: number) => Date.UTC(2025, m, 1);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const auth = (token = ALL) => ({ authorization: `Bearer ${token}` });

/** Retries `check` until it passes (visibility and search attributes arrive a moment late). */
async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('HTTP API against the real stack: runs, statements, ledger', () => {
  let stack: ReturnType<typeof testStack>;
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let app: FastifyInstance;
  let accountId: string;
  let workflowId: string;
  let summary: ReconcileSummary;
  const logLines: string[] = [];

  const get = (url: string, headers: Record<string, string> = auth()) => app.inject({ method: 'GET', url, headers });
  const runDir = () => path.join(ctx.statementsDir, runDirectoryName(workflowId));

  before(async () => {
    stack = testStack();
    mongo = await openTestDatabase(stack, 'api');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: 11, transactionsPerMonth: 120 });
    accountId = (fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!).accountId;
    const client = fixture.newClient({ onEvent: recordTransportEvent });
    const setClock = (atMs: number) => {
      fixture.simulator.core.clock.freeze(atMs);
      fixture.simulator.core.clock.unfreeze();
    };
    setClock(month(0) + 60_000);
    await createBalanceActivities({ db: mongo.db, log: quietLog, capitalFor: () => client }).captureBalanceSnapshot({ accountId, takenBy: 'test' });
    ctx = await startTestWorker(stack, mongo, () => client);
    setClock(month(1) + 120_000);
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    app = buildApi({
      temporal: ctx.client,
      taskQueue: ctx.taskQueue,
      db: mongo.db,
      statementsDir: ctx.statementsDir,
      tokens: parseTokenSpec(`ops:${ALL}:runs:read+runs:write+statements:read+ledger:read,auditor:${READER}:runs:read+statements:read`),
      log: createLogger({ level: 'info', format: 'json', destination }),
    });
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  test('POST /runs starts a run (202), a second start is 409, and GET /runs/{id} gives its summary', async () => {
    const started = await app.inject({ method: 'POST', url: '/runs', headers: auth(), payload: { accountId, period: '2025-01', timeZone: 'europe/london' } });
    assert.equal(started.statusCode, 202, started.body);
    workflowId = started.json().workflowId;
    assert.equal(workflowId, `recon:${accountId}:2025-01`);
    assert.equal(started.headers.location, `/runs/${workflowId}`);
    summary = (await ctx.client.workflow.getHandle(workflowId).result()) as ReconcileSummary;
    assert.equal(summary.timeZone, 'Europe/London', 'the zone as the CLI would have passed it');

    const again = await app.inject({ method: 'POST', url: '/runs', headers: auth(), payload: { accountId, period: '2025-01', timeZone: 'Europe/London' } });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().message, /already been reconciled or is running.*rerun/);

    const run = await get(`/runs/${workflowId}`);
    assert.equal(run.statusCode, 200);
    const body = run.json();
    assert.equal(body.execution, 'COMPLETED');
    assert.equal(body.status, summary.status);
    assert.equal(body.accountId, accountId);
    assert.equal(body.period, '2025-01');
    assert.equal(body.recorded.statements, true);
    assert.equal(body.summary.ingest.digest, summary.ingest.digest);
    assert.equal(body.summary.statements.chainHash, summary.statements!.chainHash);
    assert.equal(body.summary.statements.dir, undefined, 'no server paths');
    assert.match(body.startedAt, /Z$/);
    assert.equal(body.links.trace, `/runs/${workflowId}/trace`);
  });

  test('GET /runs lists runs by account, period and status from visibility, joined with MongoDB', async () => {
    const query = `/runs?accountId=${accountId}&period=2025-01&status=${summary.status}`;
    let items: Array<Record<string, unknown>> = [];
    // Visibility is eventually consistent: the final status arrives a moment after the run ends.
    await eventually(async () => {
      const response = await get(query);
      assert.equal(response.statusCode, 200, response.body);
      items = response.json().items;
      assert.equal(items.length, 1, 'only the completed run has that status');
    });
    const [run] = items;
    assert.equal(run!.workflowId, workflowId);
    assert.equal(typeof run!.exceptionCount, 'number', 'ReconExceptionCount');
    assert.equal((run!.recorded as { timeZone: string }).timeZone, 'Europe/London');

    assert.deepEqual((await get(`/runs?accountId=${accountId}&period=2025-02`)).json().items, []);
    assert.deepEqual((await get(`/runs?accountId=${accountId}&status=FAILED`)).json().items, []);
    const bad = await get('/runs?status=DONE&limit=500');
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().issues.map((i: { field: string }) => i.field).sort(), ['query.limit', 'query.status']);
  });

  test('statements: listed with hashes; every format downloads with its type, name and the SHA-256 recon verify checks', async () => {
    const listed = await get(`/statements?accountId=${accountId}&period=2025-01`, auth(READER));
    assert.equal(listed.statusCode, 200, listed.body);
    const [entry] = listed.json().items;
    assert.equal(entry.workflowId, workflowId);
    assert.equal(entry.auditLink.hash, summary.statements!.chainHash);

    const verified = await verifyStatements(runDir(), mongo.db);
    assert.equal(verified.ok, true, JSON.stringify(verified.checks));
    const verifiedSha = new Map(verified.checks.map((c) => [c.check, /sha256 ([0-9a-f]{64})/.exec(c.detail)?.[1]]));

    const expectedTypes: Record<string, string> = {
      '.csv': 'text/csv; charset=utf-8',
      '.json': 'application/json',
      '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      '.pdf': 'application/pdf',
      '.journal': 'text/plain; charset=utf-8',
    };
    assert.deepEqual(new Set(entry.files.map((f: { file: string }) => path.extname(f.file))), new Set(Object.keys(expectedTypes)));
    for (const file of entry.files as Array<{ file: string; sha256: string; href: string; bytes: number }>) {
      const response = await get(file.href, auth(READER));
      assert.equal(response.statusCode, 200, `${file.file}: ${response.body.slice(0, 200)}`);
      const bytes = response.rawPayload;
      assert.equal(response.headers['content-type'], expectedTypes[path.extname(file.file)], file.file);
      assert.equal(response.headers['content-disposition'], `attachment; filename="${file.file}"`);
      assert.equal(bytes.length, file.bytes);
      assert.equal(response.headers['x-content-sha256'], sha256(bytes), `${file.file}: header = hash of the bytes`);
      assert.equal(response.headers['x-content-sha256'], verifiedSha.get(file.file), `${file.file}: header = what recon verify checked`);
      assert.equal(response.headers.etag, `"${sha256(bytes)}"`);
    }

    const pdf = entry.files.find((f: { file: string }) => f.file.endsWith('.pdf'));
    const cached = await get(pdf.href, { ...auth(READER), 'if-none-match': `"${pdf.sha256}"` });
    assert.equal(cached.statusCode, 304);
    assert.equal(cached.rawPayload.length, 0);
    const record = await get(entry.auditRecord.href, auth(READER));
    assert.equal(record.statusCode, 200);
    assert.equal(JSON.parse(record.body).hash, summary.statements!.chainHash);
  });

  test('the proof trace is served as JSON with its recorded hash', async () => {
    const response = await get(`/runs/${workflowId}/trace`, auth(READER));
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.equal(response.headers['x-content-sha256'], summary.statements!.trace.sha256);
    assert.equal(sha256(response.rawPayload), summary.statements!.trace.sha256);
    assert.equal(response.json().runId, workflowId);
    assert.equal((await get(`/runs/recon:${accountId}:2024-12/trace`)).statusCode, 404);
  });

  test('paths cannot leave the statements directory, and unknown names are 404', async () => {
    const base = `/statements/${workflowId}`;
    for (const file of ['..%2F..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', '.hidden', 'trace.json%00.csv', '..%5Caudit-record.json']) {
      const response = await get(`${base}/${file}`);
      assert.equal(response.statusCode, 400, `${file}: ${response.body}`);
      assert.equal(response.json().issues[0].field, 'params.file');
    }
    assert.equal((await get(`/statements/..%2F..%2Ftmp/trace.json`)).statusCode, 400);
    // Dot segments are resolved before routing: what is left names no route.
    for (const file of ['..', '%2E%2E', '../../etc/passwd']) assert.equal((await get(`${base}/${file}`)).statusCode, 404, file);
    assert.equal((await get(`${base}/statement-other.pdf`)).statusCode, 404);
    assert.equal((await get(`${base}/package.json`)).statusCode, 404);
    assert.equal((await get(`/statements/recon:nobody:2025-01/trace.json`)).statusCode, 404);
  });

  test('a file changed on disk is never served as if whole: 409 before the first byte, a cut connection after, 409 for another size', async () => {
    const bySize = [...summary.statements!.artifacts].sort((a, b) => a.bytes - b.bytes);
    assert.ok(bySize[0]!.bytes < 64 * 1024 && bySize[bySize.length - 1]!.bytes >= 64 * 1024, 'one file of each kind');
    // Over a real socket, as a client sees it: the smallest file fits one chunk and is caught
    // before the headers go out; the largest has its last chunk withheld and the connection dropped.
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    for (const artifact of [bySize[0]!, bySize[bySize.length - 1]!]) {
      const file = path.join(runDir(), artifact.file);
      const original = readFileSync(file);
      const flipped = Buffer.from(original);
      flipped[original.length - 1] = (flipped[original.length - 1] as number) ^ 0x01;
      writeFileSync(file, flipped);
      try {
        const response = await fetch(`${address}/statements/${workflowId}/${artifact.file}`, { headers: auth() });
        if (artifact.bytes < 64 * 1024) {
          assert.equal(response.status, 409, `${artifact.file}: ${await response.clone().text()}`);
          assert.match(((await response.json()) as { message: string }).message, /no longer matches its audit record/);
          assert.equal(response.headers.get('x-content-sha256'), null);
          assert.equal(response.headers.get('content-disposition'), null);
        } else {
          assert.equal(response.headers.get('x-content-sha256'), artifact.sha256);
          await assert.rejects(response.arrayBuffer(), `${artifact.file}: the download does not complete`);
        }
        writeFileSync(file, Buffer.concat([original, Buffer.from('x')]));
        const longer = await get(`/statements/${workflowId}/${artifact.file}`);
        assert.equal(longer.statusCode, 409);
        assert.match(longer.json().message, /recon verify/);
      } finally {
        writeFileSync(file, original);
      }
    }
  });

  test("a run's exceptions page by page, all of them once; unknown runs are 404", async () => {
    const expected = await mongo.db.collection(EXCEPTIONS).countDocuments({ runId: workflowId });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const response = await get(`/runs/${workflowId}/exceptions?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      seen.push(...body.items.map((e: { _id: string }) => e._id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    assert.equal(seen.length, expected);
    assert.equal(new Set(seen).size, expected);
    assert.equal((await get(`/runs/recon:nobody:2025-01/exceptions`)).statusCode, 404);
    assert.equal((await get(`/runs/recon:nobody:2025-01`)).statusCode, 404);
  });

  test('ledger: every transaction once across pages, even with rows inserted while paging', async () => {
    const transactions = mongo.db.collection<TransactionDocument>(TRANSACTIONS);
    const all = await transactions.find({ accountId }).sort({ bookedAtMs: 1, _id: 1 }).toArray();
    assert.ok(all.length > 20, `${all.length} transactions`);
    const url = (cursor?: string) => `/ledger/transactions?accountId=${accountId}&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
    const first = (await get(url())).json();
    assert.equal(first.items.length, 7);
    assert.equal(first.items[0].amount, all[0]!.amount, 'amounts are the stored exact decimal text');

    // One row sorts before the cursor (never served: the page it belongs to is gone), one after (served once).
    const template = all[3]!;
    const before = { ...template, _id: `${template._id}~before`, key: `${template.key}~before`, bookedAtMs: all[0]!.bookedAtMs - 1, bookedAt: new Date(all[0]!.bookedAtMs - 1).toISOString() };
    const late = { ...template, _id: `${template._id}~late`, key: `${template.key}~late`, bookedAtMs: all[10]!.bookedAtMs, bookedAt: all[10]!.bookedAt };
    await transactions.insertMany([before, late]);
    try {
      const ids: string[] = first.items.map((t: { id: string }) => t.id);
      let cursor: string | null = first.nextCursor;
      for (let page = 0; cursor && page < 200; page++) {
        const response = await get(url(cursor));
        assert.equal(response.statusCode, 200, response.body);
        const body = response.json();
        ids.push(...body.items.map((t: { id: string }) => t.id));
        cursor = body.nextCursor;
      }
      assert.equal(new Set(ids).size, ids.length, 'no duplicates');
      assert.deepEqual(
        ids.filter((id) => !id.endsWith('~late')),
        all.map((t) => t._id),
        'every original row, in order',
      );
      assert.equal(ids.filter((id) => id.endsWith('~late')).length, 1);
      assert.ok(!ids.includes(before._id));
    } finally {
      await transactions.deleteMany({ _id: { $in: [before._id, late._id] } });
    }
  });

  test('ledger filters, CSV output, and cursors that belong to another query are refused', async () => {
    const transactions = mongo.db.collection<TransactionDocument>(TRANSACTIONS);
    const deposits = await transactions.find({ accountId, transactionType: 'DEPOSIT', bookedAtMs: { $gte: month(0), $lt: month(1) } }).sort({ bookedAtMs: 1, _id: 1 }).toArray();
    const filtered = (await get(`/ledger/transactions?accountId=${accountId}&transactionType=DEPOSIT&from=2025-01-01&to=2025-02-01T00:00:00Z&limit=1000`)).json();
    assert.deepEqual(filtered.items.map((t: { id: string }) => t.id), deposits.map((t) => t._id));
    assert.equal(filtered.nextCursor, null);

    const json = (await get(`/ledger/transactions?accountId=${accountId}&limit=5`)).json();
    const csv = await get(`/ledger/transactions?accountId=${accountId}&limit=5&format=csv`);
    assert.equal(csv.statusCode, 200);
    assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(csv.headers['x-next-cursor'], json.nextCursor);
    const lines = csv.body.trimEnd().split('\r\n');
    assert.equal(lines.length, 6);
    const header = lines[0]!.split(',');
    assert.equal(header[0], 'id');
    const amountColumn = header.indexOf('amount');
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[amountColumn]), json.items.map((t: { amount: string }) => t.amount));
    const negotiated = await get(`/ledger/transactions?accountId=${accountId}&limit=5`, { ...auth(), accept: 'text/csv' });
    assert.equal(negotiated.body, csv.body);

    const otherQuery = await get(`/ledger/transactions?accountId=${accountId}&transactionType=DEPOSIT&cursor=${json.nextCursor}`);
    assert.equal(otherQuery.statusCode, 400);
    assert.equal(otherQuery.json().issues[0].field, 'query.cursor');
    assert.equal((await get(`/ledger/transactions?accountId=${accountId}&cursor=bm9wZQ`)).statusCode, 400);
    const bad = await get(`/ledger/transactions?accountId=${accountId}&from=2025-02-01&to=2025-01-01&limit=0`);
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().issues.map((i: { field: string }) => i.field).sort(), ['query.limit', 'query.to']);
    const backwards = await get(`/ledger/transactions?accountId=${accountId}&from=2025-02-01&to=2025-01-01`);
    assert.deepEqual(backwards.json().issues, [{ field: 'query.to', reason: 'must be after from' }]);
  });

  test('auth: 401 without or with an unknown token, 403 without the scope, 200 with it; tokens never logged', async () => {
    const url = `/ledger/transactions?accountId=${accountId}&limit=1`;
    assert.equal((await get(url, {})).statusCode, 401);
    assert.equal((await get(url, auth('unknown-'.padEnd(48, 'u')))).statusCode, 401);
    const forbidden = await get(url, auth(READER));
    assert.equal(forbidden.statusCode, 403);
    assert.equal(forbidden.json().error, 'forbidden');
    assert.equal((await get(url, auth())).statusCode, 200);
    assert.equal((await get('/no/such/route')).statusCode, 404);
    const log = logLines.join('');
    assert.ok(log.includes('"client":"auditor"'), 'requests are logged with the token name');
    assert.ok(!log.includes(ALL) && !log.includes(READER) && !/authorization|bearer/i.test(log), 'no token and no Authorization header in the log');
  });

  test('a re-run gets the next attempt id and is listed with the first; runs:read alone cannot start one', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/runs', headers: auth(READER), payload: { accountId, period: '2025-01', rerun: true } })).statusCode, 403);
    const rerun = await app.inject({ method: 'POST', url: '/runs', headers: auth(), payload: { accountId, period: '2025-01', timeZone: 'Europe/London', rerun: true, dryRun: true } });
    assert.equal(rerun.statusCode, 202, rerun.body);
    assert.equal(rerun.json().workflowId, `recon:${accountId}:2025-01:rerun-1`);
    // A dry run writes no ledger, matches or statements: the January files above stay as verified.
    await ctx.client.workflow.getHandle(rerun.json().workflowId).result();
    await eventually(async () => {
      const byAccount = (await get(`/runs?accountId=${accountId}`)).json().items.map((r: { workflowId: string; execution: string }) => `${r.workflowId} ${r.execution}`).sort();
      assert.deepEqual(byAccount, [`${workflowId} COMPLETED`, `${workflowId}:rerun-1 COMPLETED`]);
    });
    const rerunDetail = (await get(`/runs/${workflowId}:rerun-1`)).json();
    assert.equal(rerunDetail.recorded.dryRun, true);
    assert.equal(rerunDetail.recorded.statements, false);
  });

  test('readyz: 200 when Temporal and MongoDB answer, 503 naming the one that does not', async () => {
    const ready = await app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200, ready.body);
    assert.deepEqual(ready.json(), { status: 'ready', checks: { temporal: { ok: true }, mongodb: { ok: true } } });

    const nowhere = new MongoClient('mongodb://127.0.0.1:9/', { serverSelectionTimeoutMS: 300 });
    const degraded = buildApi({
      temporal: ctx.client,
      taskQueue: ctx.taskQueue,
      db: nowhere.db('x'),
      statementsDir: ctx.statementsDir,
      tokens: [],
      log: createLogger({ level: 'silent', format: 'json' }),
      readiness: [temporalReadiness(ctx.client), mongoReadiness(nowhere.db('x'))],
    });
    try {
      const response = await degraded.inject({ url: '/readyz' });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().checks.temporal.ok, true);
      assert.equal(response.json().checks.mongodb.ok, false);
    } finally {
      await degraded.close();
      await nowhere.close();
    }
  });
});
