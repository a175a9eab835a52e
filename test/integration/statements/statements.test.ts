import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBalanceActivities } from '../../../activities/balances';
import { recordTransportEvent } from '../../../lib/capital';
import { renderRunStatements } from '../../../lib/statements/render';
import { verifyStatements } from '../../../lib/statements/verify';
import { AUDIT_CHAIN, GENESIS_HASH, type AuditLink } from '../../../lib/store/audit-chain';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { LEDGER_ENTRIES, type LedgerEntryDocument } from '../../../lib/store/reconciliation';
import { TRANSACTIONS, type TransactionDocument } from '../../../lib/store/transactions';
import { decodeRows, encodeRows, windowRecordsOf, type StatementRecord } from '../../../lib/store/window-records';
import type { reconcileAccountPeriod, ReconcileSummary } from '../../../workflows/reconcile-account-period';
import { reconcileWorkflowId } from '../../../workflows/reconcile-account-period';
import { recon } from '../../helpers/recon-cli';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

const SEED = 5;
const month = (m: number) => Date.UTC(2025, m, 1);

describe('statements of a run: written by the workflow, reproducible, verifiable, tamper-evident', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let accountId: string;
  let january: ReconcileSummary;
  let stack: ReturnType<typeof testStack>;

  const setClock = (atMs: number) => {
    fixture.simulator.core.clock.freeze(atMs);
    fixture.simulator.core.clock.unfreeze();
  };
  const runMonth = (period: string) =>
    ctx.client.workflow.execute<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
      taskQueue: ctx.taskQueue,
      workflowId: reconcileWorkflowId(accountId, period),
      args: [{ accountId, period, timeZone: 'Europe/London' }],
    });
  const verify = (dir: string) => verifyStatements(dir, mongo.db);
  const failed = (result: Awaited<ReturnType<typeof verify>>) => result.checks.filter((c) => !c.ok).map((c) => c.check);

  before(async () => {
    stack = testStack();
    mongo = await openTestDatabase(stack, 'statements');
    await ensureIndexes(mongo.db);
    fixture = await startSimulatorWithClient({ seed: SEED, transactionsPerMonth: 300 });
    accountId = (fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!).accountId;
    const client = fixture.newClient({ onEvent: recordTransportEvent });
    setClock(month(0) + 60_000);
    await createBalanceActivities({ db: mongo.db, log: quietLog, capitalFor: () => client }).captureBalanceSnapshot({ accountId, takenBy: 'test' });
    ctx = await startTestWorker(stack, mongo, () => client);
    setClock(month(1) + 120_000);
    january = await runMonth('2025-01');
  });

  after(async () => {
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  test('the run writes every format, trace.json and the audit record, and they verify against the store', async () => {
    const statements = january.statements;
    assert.ok(statements, 'the summary names the statements');
    const files = statements.artifacts.map((a) => a.file);
    for (const extension of ['-activity.csv', '-totals.csv', '-exceptions.csv', '.json', '.xlsx', '.journal']) assert.ok(files.some((f) => f.endsWith(extension)), `${extension} in ${files.join(', ')}`);
    const result = await verify(statements.dir);
    assert.deepEqual(failed(result), []);
    assert.equal(result.againstStore, true);
    const trace = JSON.parse(readFileSync(path.join(statements.dir, 'trace.json'), 'utf8'));
    assert.equal(trace.runId, january.runId);
    assert.equal(trace.windows.length, january.ingest.windows);
    assert.ok(trace.windows.every((w: { requests: unknown[] }) => w.requests.length > 0));
    assert.equal(trace.inputs.ingestDigest, january.ingest.digest);
    // An independent accounting tool re-checks every running balance and the closing balance.
    const journal = path.join(statements.dir, files.find((f) => f.endsWith('.journal'))!);
    execFileSync('hledger', ['-f', journal, 'check', 'ordereddates'], { stdio: 'pipe' });
    const cash = execFileSync('hledger', ['-f', journal, 'bal', '1100', '--flat', '--no-total', '-N'], { encoding: 'utf8' });
    assert.match(cash, new RegExp(`${january.rollForward.closing!.replace('.', '\\.')}`));
    // Positions and working orders were read with the closing balance snapshot.
    const statementJson = JSON.parse(readFileSync(path.join(statements.dir, files.find((f) => f.endsWith('.json'))!), 'utf8'));
    assert.ok(Array.isArray(statementJson.positions) && Array.isArray(statementJson.workingOrders), 'positions and working orders at period end');
    assert.equal(statementJson.positionsAt, january.rollForward.anchors.closing?.snapshotAt);
    const link = await mongo.db.collection<AuditLink>(AUDIT_CHAIN).findOne({ accountId, seq: 1 });
    assert.equal(link?.prevHash, GENESIS_HASH);
    assert.equal(link?.hash, statements.chainHash);
  });

  test('rendering the run again gives byte-identical files and leaves the chain as it was', async () => {
    const again = await renderRunStatements(mongo.db, { runId: january.runId, temporalRunId: 'ignored: the record keeps the original', legalEntity: 'ignored too', codeVersion: 'x', dir: mkdtempSync(path.join(tmpdir(), 'recon-rerender-')) });
    assert.deepEqual(again.artifacts, january.statements!.artifacts);
    assert.equal(again.trace.sha256, january.statements!.trace.sha256);
    assert.equal(again.chain.hash, january.statements!.chainHash);
    assert.equal(await mongo.db.collection(AUDIT_CHAIN).countDocuments({ accountId }), 1);
    assert.deepEqual(failed(await verify(again.dir)), []);
  });

  test('recon verify, as a user runs it: exit 0 on the files as written, 1 naming a flipped byte', async () => {
    const dir = january.statements!.dir;
    const env = { MONGODB_URI: stack.mongoUri, MONGODB_DB: mongo.db.databaseName };
    const clean = await recon(env, 'verify', dir);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /Verified: .* and the store still says so/);
    const file = path.join(dir, 'trace.json');
    const original = readFileSync(file);
    writeFileSync(file, Buffer.concat([original.subarray(0, 10), Buffer.from([original[10]! ^ 0x20]), original.subarray(11)]));
    try {
      const tampered = await recon(env, 'verify', dir);
      assert.equal(tampered.code, 1);
      assert.match(tampered.stdout, /FAIL {2}trace\.json: was changed/);
    } finally {
      writeFileSync(file, original);
    }
  });

  test('a flipped byte in any file is named', async () => {
    const dir = january.statements!.dir;
    const json = january.statements!.artifacts.find((a) => a.file.endsWith('.json'))!.file;
    const file = path.join(dir, json);
    const original = readFileSync(file);
    const flipped = Buffer.from(original);
    flipped[200] = (flipped[200] as number) ^ 0x01;
    writeFileSync(file, flipped);
    try {
      assert.deepEqual(failed(await verify(dir)), [json]);
    } finally {
      writeFileSync(file, original);
    }
  });

  test('a changed transaction in the books is named, field by field', async () => {
    const transactions = mongo.db.collection<TransactionDocument>(TRANSACTIONS);
    const victim = await transactions.findOne({ accountId, transactionType: 'DEPOSIT', bookedAtMs: { $gte: month(0), $lt: month(1) } });
    assert.ok(victim);
    await transactions.updateOne({ _id: victim._id }, { $set: { amount: '999999.99' } });
    try {
      const result = await verify(january.statements!.dir);
      assert.deepEqual(failed(result), ['books agree with the statement']);
      const detail = result.checks.find((c) => c.check === 'books agree with the statement')!.detail;
      assert.match(detail, /^1 difference/);
      assert.ok(detail.includes(`${victim._id}: the stored transaction differs from the run's record: amount "${victim.amount}" → "999999.99"`), detail);
    } finally {
      await transactions.updateOne({ _id: victim._id }, { $set: { amount: victim.amount } });
    }
    assert.deepEqual(failed(await verify(january.statements!.dir)), []);
  });

  test('a removed ledger entry and an added transaction are named', async () => {
    const entries = mongo.db.collection<LedgerEntryDocument>(LEDGER_ENTRIES);
    const transactions = mongo.db.collection<TransactionDocument>(TRANSACTIONS);
    const entry = await entries.findOne({ accountId, bookedAtMs: { $gte: month(0), $lt: month(1) } });
    const model = await transactions.findOne({ _id: entry!._id });
    assert.ok(entry && model);
    const stray = { ...model, _id: `${model._id}-stray`, key: `${model.key}-stray` };
    await entries.deleteOne({ _id: entry._id });
    await transactions.insertOne(stray);
    try {
      const detail = (await verify(january.statements!.dir)).checks.find((c) => c.check === 'books agree with the statement')!.detail;
      assert.match(detail, /^2 difference/);
      assert.ok(detail.includes(`${entry._id}: posted by the run, missing from the ledger`), detail);
      assert.ok(detail.includes(`${stray.key}: in the stored transactions of the period, not among the run's records`), detail);
    } finally {
      await entries.insertOne(entry);
      await transactions.deleteOne({ _id: stray._id });
    }
  });

  test("a changed record of the run is caught by re-deriving the statement from the run's records", async () => {
    const windows = windowRecordsOf(mongo.db, january.runId);
    const chunk = await windows.findOne({ _id: `${january.runId}:0:statement:0` });
    assert.ok(chunk);
    const rows = decodeRows<StatementRecord>(chunk);
    const victim = rows.findIndex((r) => r.transactionType === 'DEPOSIT');
    assert.ok(victim >= 0, 'the first window holds a deposit');
    rows[victim] = { ...rows[victim]!, amount: '999999.99' };
    await windows.updateOne({ _id: chunk._id }, { $set: { rowsGzip: encodeRows(rows) } });
    try {
      const result = await verify(january.statements!.dir);
      assert.deepEqual(failed(result), ['statement from stored records', 'lines from stored records', 'books agree with the statement']);
      assert.match(result.checks.find((c) => c.check === 'statement from stored records')!.detail, /totalsByType/);
    } finally {
      await windows.updateOne({ _id: chunk._id }, { $set: { rowsGzip: chunk.rowsGzip! } });
    }
  });

  test('records of the run out of booking order are refused, not printed in a new order', async () => {
    const windows = windowRecordsOf(mongo.db, january.runId);
    const chunk = await windows.findOne({ _id: `${january.runId}:0:statement:0` });
    assert.ok(chunk);
    const rows = decodeRows<StatementRecord>(chunk);
    assert.ok(rows.length >= 2 && rows[0]!.bookedAtMs < rows[1]!.bookedAtMs, 'the first window holds two records at different times');
    await windows.updateOne({ _id: chunk._id }, { $set: { rowsGzip: encodeRows([rows[1], rows[0], ...rows.slice(2)]) } });
    try {
      const result = await verify(january.statements!.dir);
      assert.deepEqual(failed(result), ['statement from stored records']);
      assert.match(result.checks.find((c) => c.check === 'statement from stored records')!.detail, new RegExp(`record ${rows[0]!.key} \\(.*\\) is out of booking order`));
    } finally {
      await windows.updateOne({ _id: chunk._id }, { $set: { rowsGzip: chunk.rowsGzip! } });
    }
  });

  test('an edited audit record breaks the chain, and the next run links to the previous head', async () => {
    const links = mongo.db.collection<AuditLink>(AUDIT_CHAIN);
    await links.updateOne({ accountId, seq: 1 }, { $set: { 'record.period': '2024-12' } });
    try {
      const result = await verify(january.statements!.dir);
      assert.ok(failed(result).includes('audit chain'), failed(result).join(', '));
    } finally {
      await links.updateOne({ accountId, seq: 1 }, { $set: { 'record.period': '2025-01' } });
    }

    setClock(month(2) + 120_000);
    const february = await runMonth('2025-02');
    const second = await links.findOne({ accountId, seq: 2 });
    assert.equal(second?.prevHash, january.statements!.chainHash);
    assert.equal(second?.hash, february.statements!.chainHash);
    assert.deepEqual(failed(await verify(february.statements!.dir)), []);
  });
});
