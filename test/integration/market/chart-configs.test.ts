/**
 * Chart configuration records end to end: versioned storage with conflicts and history, the
 * `recon charts` import/export round trip, the API's CRUD with 422s that name fields, and the
 * two-way watchlist sync against the simulator's /watchlists through a real worker.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parseTokenSpec } from '../../../api/auth/tokens';
import { buildApi } from '../../../api/server';
import type { CapitalClient } from '../../../lib/capital';
import type { ChartRecord, WatchlistRecord } from '../../../lib/market/chart-config';
import type { WatchlistSyncReport } from '../../../lib/market/watchlist-sync';
import { chartRecordHistory, ChartVersionConflictError, deleteChartRecord, findChartRecord, listChartRecords, saveChartRecord } from '../../../lib/store/chart-configs';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { syncWatchlists } from '../../../workflows/watchlist-sync';
import { recon } from '../../helpers/recon-cli';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

const SEED = 23;
const TOKEN = 'c'.repeat(40);
const READ_ONLY_TOKEN = 'd'.repeat(40);
const NOW_MS = Date.UTC(2026, 2, 2, 9, 30);

const DOCUMENT = {
  format: 'capital-recon/chart-config',
  formatVersion: 1,
  exportedAt: '2026-03-02T09:30:00.000Z',
  records: [
    { kind: 'watchlist', id: 'cli-metals', name: 'Metals', version: 4, updatedAt: '2026-03-01T12:00:00Z', owner: 'desk-a', epics: ['GOLD', 'SILVER', 'COPPER'] },
    { kind: 'interval-preset', id: 'cli-intraday', name: 'Intraday', version: 1, updatedAt: '2026-02-10T08:00:00Z', resolutions: ['MINUTE_5', 'MINUTE_15', 'HOUR'] },
    {
      kind: 'indicator-set',
      id: 'cli-trend',
      name: 'Trend and momentum',
      version: 2,
      updatedAt: '2026-02-20T16:45:00Z',
      indicators: [
        { type: 'EMA', params: { length: 50, source: 'close' }, style: { color: '#2962FF' } },
        { type: 'MACD', params: { fast: 12, slow: 26, signal: 9, source: 'close' } },
        { type: 'BOLLINGER_BANDS', params: { length: 20, stdDev: 2, source: 'close' } },
      ],
    },
    {
      kind: 'chart-layout',
      id: 'cli-gold-timeframes',
      name: 'Gold M15, H4, D1',
      version: 3,
      updatedAt: '2026-03-01T12:05:00Z',
      grid: '1x3',
      panes: [
        { epic: 'GOLD', resolution: 'MINUTE_15', chartType: 'candles', indicatorSetId: 'cli-trend' },
        { epic: 'GOLD', resolution: 'HOUR_4', chartType: 'candles', indicatorSetId: 'cli-trend' },
        { epic: 'GOLD', resolution: 'DAY', chartType: 'heikin_ashi' },
      ],
      syncCrosshair: true,
      syncInterval: false,
    },
  ],
};

function watchlist(id: string, version: number, epics: string[], extra: Partial<WatchlistRecord> = {}): WatchlistRecord {
  return { kind: 'watchlist', id, name: extra.name ?? id, version, updatedAt: '2026-03-01T12:00:00Z', epics, ...extra };
}

describe('chart configuration records', () => {
  let records: MongoHandle;
  let syncDb: MongoHandle;
  let fixture: SimulatorFixture;
  let capital: CapitalClient;
  let accountId: string;
  let ctx: TestWorkerContext;
  let app: FastifyInstance;
  let syncApp: FastifyInstance;
  let dir: string;
  const auth = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    const stack = testStack();
    records = await openTestDatabase(stack, 'charts');
    syncDb = await openTestDatabase(stack, 'charts_sync');
    await ensureIndexes(records.db);
    await ensureIndexes(syncDb.db);
    fixture = await startSimulatorWithClient({ seed: SEED });
    accountId = (fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!).accountId;
    capital = fixture.newClient();
    ctx = await startTestWorker(stack, syncDb, () => capital);
    const tokens = parseTokenSpec(`analyst:${TOKEN}:market:read+market:write,viewer:${READ_ONLY_TOKEN}:market:read`);
    app = buildApi({ temporal: ctx.client, taskQueue: ctx.taskQueue, db: records.db, statementsDir: ctx.statementsDir, tokens, log: quietLog });
    syncApp = buildApi({ temporal: ctx.client, taskQueue: ctx.taskQueue, db: syncDb.db, statementsDir: ctx.statementsDir, tokens, log: quietLog });
    await app.ready();
    await syncApp.ready();
    dir = mkdtempSync(path.join(tmpdir(), 'recon-charts-'));
  });

  after(async () => {
    await app?.close();
    await syncApp?.close();
    await ctx?.close();
    await fixture?.close();
    await records?.close();
    await syncDb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the store keeps versions: a stale write is a conflict, a retried one unchanged, a delete keeps the history', async () => {
    const db = records.db;
    const save = (record: ChartRecord, expectedVersion: number) => saveChartRecord(db, record, { expectedVersion, nowMs: NOW_MS, source: 'api' });
    assert.equal((await save(watchlist('store-fx', 1, ['EURUSD']), 0)).status, 'created');
    assert.equal((await save(watchlist('store-fx', 2, ['EURUSD', 'GBPUSD']), 1)).status, 'updated');
    await assert.rejects(save(watchlist('store-fx', 2, ['USDJPY']), 1), (error: unknown) => error instanceof ChartVersionConflictError && error.storedVersion === 2 && /is at version 2; the write expected version 1/.test(error.message));
    await assert.rejects(save(watchlist('store-fx', 1, ['EURUSD']), 0), ChartVersionConflictError);
    assert.equal((await save(watchlist('store-fx', 2, ['EURUSD', 'GBPUSD']), 1)).status, 'unchanged', 'the same write again');
    await assert.rejects(save(watchlist('store-fx', 2, ['EURUSD']), 2), /version 2 is not above the stored version 2: save it as version 3/);
    assert.deepEqual((await findChartRecord(db, 'watchlist', 'store-fx'))?.record, watchlist('store-fx', 2, ['EURUSD', 'GBPUSD']));

    await assert.rejects(deleteChartRecord(db, 'watchlist', 'store-fx', { expectedVersion: 1, nowMs: NOW_MS, source: 'api' }), ChartVersionConflictError);
    assert.deepEqual(await deleteChartRecord(db, 'watchlist', 'store-fx', { expectedVersion: 2, nowMs: NOW_MS, source: 'api' }), { version: 3 });
    assert.equal(await findChartRecord(db, 'watchlist', 'store-fx'), null);
    assert.equal(await deleteChartRecord(db, 'watchlist', 'store-fx', { nowMs: NOW_MS, source: 'api' }), null);
    await assert.rejects(save(watchlist('store-fx', 1, ['EURUSD']), 0), /was deleted at version 3/);
    assert.equal((await save(watchlist('store-fx', 4, ['AUDUSD']), 3)).status, 'created', 'brought back above the deletion');

    const history = await chartRecordHistory(db, 'watchlist', 'store-fx');
    assert.deepEqual(
      history.map((v) => [v.version, v.deleted, v.record && (v.record as WatchlistRecord).epics]),
      [
        [1, false, ['EURUSD']],
        [2, false, ['EURUSD', 'GBPUSD']],
        [3, true, undefined],
        [4, false, ['AUDUSD']],
      ],
    );
  });

  test('recon charts: import (dry run, then for real), list, export, re-import unchanged; invalid files and conflicts store nothing', async () => {
    const env = { MONGODB_URI: testStack().mongoUri, MONGODB_DB: records.db.databaseName, LOG_LEVEL: 'silent' };
    const file = path.join(dir, 'charts.json');
    writeFileSync(file, JSON.stringify(DOCUMENT, null, 2));

    const dry = await recon(env, 'charts', 'import', file, '--dry-run', '--json');
    assert.equal(dry.code, 0, dry.stderr);
    const dryResult = JSON.parse(dry.stdout) as { ok: boolean; written: number; outcomes: Array<{ status: string }> };
    assert.deepEqual([dryResult.ok, dryResult.written, dryResult.outcomes.map((o) => o.status)], [true, 0, ['new', 'new', 'new', 'new']]);
    assert.equal((await listChartRecords(records.db)).filter((r) => r.id.startsWith('cli-')).length, 0, 'a dry run stores nothing');

    const imported = await recon(env, 'charts', 'import', file);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /Imported .*charts\.json: 4 new, 0 updated, 0 unchanged\./);

    const listed = await recon(env, 'charts', 'list', '--kind', 'chart-layout', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as Array<{ id: string; version: number }>).map((r) => [r.id, r.version]),
      [['cli-gold-timeframes', 3]],
    );
    const table = await recon(env, 'charts', 'list');
    assert.match(table.stdout, /watchlist\s+cli-metals\s+4\s+Metals/);

    const out = path.join(dir, 'exported.json');
    const exported = await recon(env, 'charts', 'export', '--out', out);
    assert.equal(exported.code, 0, exported.stderr);
    const document = JSON.parse(readFileSync(out, 'utf8')) as typeof DOCUMENT;
    const ours = document.records.filter((r) => r.id.startsWith('cli-'));
    assert.deepEqual(ours, DOCUMENT.records, 'the records come back as imported, in dependency order');

    const again = await recon(env, 'charts', 'import', out);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /0 new, 0 updated, \d+ unchanged/);

    const invalid = structuredClone(DOCUMENT) as { records: Array<Record<string, unknown>> };
    (invalid.records[3]!.panes as Array<Record<string, unknown>>)[0]!.resolution = 'MINUTE_3';
    invalid.records[0]!.colour = 'red';
    invalid.records[0]!.version = 5;
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(invalid));
    const refused = await recon(env, 'charts', 'import', bad);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /has 2 problem\(s\); nothing was imported/);
    assert.match(refused.stderr, /records\[0\] \(watchlist 'cli-metals'\) colour: not a field of a watchlist/);
    assert.match(refused.stderr, /records\[3\] \(chart-layout 'cli-gold-timeframes'\) panes\[0\]\.resolution: "MINUTE_3" is not a resolution; expected one of MINUTE/);
    assert.equal((await findChartRecord(records.db, 'watchlist', 'cli-metals'))?.version, 4, 'the valid update in the bad file was not stored');

    const conflicting = structuredClone(DOCUMENT) as { records: Array<Record<string, unknown>> };
    conflicting.records[1]!.resolutions = ['DAY'];
    conflicting.records[0]!.version = 5;
    writeFileSync(bad, JSON.stringify(conflicting));
    const conflict = await recon(env, 'charts', 'import', bad);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /1 record\(s\) in conflict.*nothing was imported:\n {2}records\[1\] interval-preset 'cli-intraday': version 1 is not above the stored version 1 and the content differs/s);
    assert.equal((await findChartRecord(records.db, 'watchlist', 'cli-metals'))?.version, 4);

    const notJson = path.join(dir, 'not.json');
    writeFileSync(notJson, '{ "format": ');
    const unreadable = await recon(env, 'charts', 'import', notJson);
    assert.equal(unreadable.code, 1);
    assert.match(unreadable.stderr, /1 problem\(s\); nothing was imported:\n {2}document: not JSON/);
  });

  test('the API: create, read, update with versions (409 on a stale one), 422 naming fields, history, delete', async () => {
    const put = (id: string, body: unknown, query = '') => app.inject({ method: 'PUT', url: `/charts/indicator-set/${id}${query}`, headers: auth, payload: body as object });
    const trend = { kind: 'indicator-set', id: 'api-trend', name: 'Trend', version: 1, updatedAt: '2026-03-01T12:00:00Z', indicators: [{ type: 'SMA', params: { length: 50, source: 'close' } }] };

    const created = await put('api-trend', trend);
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual([created.json().status, created.json().version, created.json().source], ['created', 1, 'api']);
    const v2 = { ...trend, version: 2, indicators: [...trend.indicators, { type: 'SMA', params: { length: 200, source: 'close' } }] };
    assert.equal((await put('api-trend', v2)).json().status, 'updated');
    const stale = await put('api-trend', { ...v2, name: 'Someone else' });
    assert.equal(stale.statusCode, 409);
    assert.deepEqual([stale.json().error, stale.json().storedVersion], ['version_conflict', 2]);
    assert.equal((await put('api-trend', v2)).json().status, 'unchanged');
    assert.equal((await put('api-trend', { ...v2, version: 7 }, '?expectedVersion=2')).json().version, 7, 'a jump names the version it replaces');

    const got = await app.inject({ url: '/charts/indicator-set/api-trend', headers: auth });
    assert.equal(got.statusCode, 200);
    assert.deepEqual([got.json().version, got.json().record.indicators.length], [7, 2]);
    const listed = await app.inject({ url: '/charts?kind=indicator-set', headers: auth });
    assert.ok(listed.json().items.some((item: { id: string }) => item.id === 'api-trend'));

    const invalid = await app.inject({
      method: 'PUT',
      url: '/charts/chart-layout/api-layout',
      headers: auth,
      payload: { kind: 'chart-layout', id: 'api-layout', name: 'Two', version: 1, updatedAt: '2026-03-01T12:00:00Z', grid: '1x2', panes: [{ epic: 'GOLD', resolution: 'MINUTE_3', chartType: 'candles' }], colour: 'red' },
    });
    assert.equal(invalid.statusCode, 422, invalid.body);
    const issues = invalid.json().issues as Array<{ field: string; reason: string }>;
    assert.deepEqual(issues.map((i) => i.field).sort(), ['body.colour', 'body.panes', 'body.panes[0].resolution']);
    assert.match(issues.find((i) => i.field === 'body.panes[0].resolution')!.reason, /"MINUTE_3" is not a resolution/);
    assert.match(issues.find((i) => i.field === 'body.panes')!.reason, /grid 1x2 has 2 cells, so it needs 2 panes; got 1/);

    const dangling = await app.inject({
      method: 'PUT',
      url: '/charts/chart-layout/api-layout',
      headers: auth,
      payload: { kind: 'chart-layout', id: 'api-layout', name: 'One', version: 1, updatedAt: '2026-03-01T12:00:00Z', grid: '1x1', panes: [{ epic: 'GOLD', resolution: 'HOUR', chartType: 'candles', indicatorSetId: 'no-such-set' }] },
    });
    assert.equal(dangling.statusCode, 422);
    assert.deepEqual(dangling.json().issues, [{ field: 'body.panes[0].indicatorSetId', reason: "no indicator set 'no-such-set' in this document or the stored records" }]);
    const misplaced = await put('api-other', trend);
    assert.equal(misplaced.statusCode, 422);
    assert.equal(misplaced.json().issues[0].field, 'body.id');

    const forbidden = await app.inject({ method: 'PUT', url: '/charts/indicator-set/api-trend', headers: { authorization: `Bearer ${READ_ONLY_TOKEN}` }, payload: v2 });
    assert.equal(forbidden.statusCode, 403);

    assert.equal((await app.inject({ method: 'DELETE', url: '/charts/indicator-set/api-trend?expectedVersion=2', headers: auth })).statusCode, 409);
    const deleted = await app.inject({ method: 'DELETE', url: '/charts/indicator-set/api-trend?expectedVersion=7', headers: auth });
    assert.deepEqual(deleted.json(), { kind: 'indicator-set', id: 'api-trend', deleted: true, version: 8 });
    assert.equal((await app.inject({ url: '/charts/indicator-set/api-trend', headers: auth })).statusCode, 404);
    const history = await app.inject({ url: '/charts/indicator-set/api-trend/history', headers: auth });
    assert.deepEqual(
      history.json().items.map((v: { version: number; deleted: boolean }) => [v.version, v.deleted]),
      [
        [1, false],
        [2, false],
        [7, false],
        [8, true],
      ],
    );
    assert.equal((await app.inject({ url: '/charts/indicator-set/never-stored/history', headers: auth })).statusCode, 404);
  });

  test('the API: import with a dry run, per-record outcomes, 422 naming record fields; export and the JSON Schema', async () => {
    // The same records under other ids, so they do not meet the CLI's.
    const document = JSON.parse(JSON.stringify(DOCUMENT).replace(/"cli-/g, '"imp-')) as typeof DOCUMENT;
    const invalid = structuredClone(document) as { records: Array<Record<string, unknown>> };
    ((invalid.records[2]!.indicators as Array<{ params: Record<string, unknown> }>)[1]!.params).fast = 40;
    const refused = await app.inject({ method: 'POST', url: '/charts/import', headers: auth, payload: invalid });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.deepEqual(refused.json().issues, [
      { field: 'records[2].indicators[1].params.fast', reason: 'fast 40 must be below slow 26' },
      { field: 'records[3].panes[0].indicatorSetId', reason: "indicator set 'imp-trend' is records[2], which has problems of its own" },
      { field: 'records[3].panes[1].indicatorSetId', reason: "indicator set 'imp-trend' is records[2], which has problems of its own" },
    ]);
    assert.equal((await listChartRecords(records.db)).filter((r) => r.id.startsWith('imp-')).length, 0);

    const dry = await app.inject({ method: 'POST', url: '/charts/import?dryRun=true', headers: auth, payload: document });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual(
      dry.json().outcomes.map((o: { status: string; written: boolean }) => `${o.status}/${o.written}`),
      ['new/false', 'new/false', 'new/false', 'new/false'],
    );
    const real = await app.inject({ method: 'POST', url: '/charts/import', headers: auth, payload: document });
    assert.deepEqual([real.statusCode, real.json().ok, real.json().written], [200, true, 4]);

    const changed = structuredClone(document) as { records: Array<Record<string, unknown>> };
    changed.records[0]!.epics = ['GOLD'];
    const conflict = await app.inject({ method: 'POST', url: '/charts/import', headers: auth, payload: changed });
    assert.equal(conflict.statusCode, 409);
    assert.deepEqual(
      conflict.json().outcomes.map((o: { status: string }) => o.status),
      ['conflict', 'unchanged', 'unchanged', 'unchanged'],
    );

    const exported = await app.inject({ url: '/charts/export', headers: auth });
    assert.equal(exported.json().format, 'capital-recon/chart-config');
    assert.ok(exported.json().records.some((r: { id: string }) => r.id === 'imp-gold-timeframes'));
    const schema = await app.inject({ url: '/charts/schema', headers: { authorization: `Bearer ${READ_ONLY_TOKEN}` } });
    assert.equal(schema.statusCode, 200);
    assert.match(String(schema.headers['content-type']), /application\/schema\+json/);
    assert.equal(schema.json().$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  describe('watchlist sync with the simulator, through the worker', () => {
    const db = () => syncDb.db;
    const brokerEpics = async (id: string) => (await capital.watchlist(id)).markets.map((m) => m.epic);
    const brokerIdOf = async (name: string) => (await capital.watchlists()).watchlists.find((w) => w.name === name)?.id;
    const local = async (id: string) => (await findChartRecord(db(), 'watchlist', id))?.record as WatchlistRecord | undefined;
    const sync = (publish?: string[]) =>
      ctx.client.workflow.execute(syncWatchlists, { taskQueue: ctx.taskQueue, workflowId: `charts-it:${accountId}:${randomUUID()}`, args: [{ accountId, ...(publish ? { publish } : {}) }] }) as Promise<WatchlistSyncReport>;
    const item = (report: WatchlistSyncReport, recordId: string) => report.items.find((i) => i.recordId === recordId);

    test('first sync (through the API): the local watchlist asked for is created on the broker, the broker’s own is imported', async () => {
      await saveChartRecord(db(), watchlist('metals', 1, ['GOLD', 'SILVER'], { name: 'Metals' }), { expectedVersion: 0, nowMs: NOW_MS, source: 'api' });
      await saveChartRecord(db(), watchlist('scratch', 1, ['DE40'], { name: 'Scratch' }), { expectedVersion: 0, nowMs: NOW_MS, source: 'api' });
      const answer = await syncApp.inject({ method: 'POST', url: '/charts/watchlists/sync', headers: auth, payload: { accountId, publish: ['metals'] } });
      assert.equal(answer.statusCode, 200, answer.body);
      const report = answer.json() as WatchlistSyncReport;
      assert.match(report.syncId, new RegExp(`^watchlist-sync:${accountId}:\\d+$`));
      const metalsId = await brokerIdOf('Metals');
      assert.ok(metalsId, 'created on the broker');
      assert.deepEqual(await brokerEpics(metalsId), ['GOLD', 'SILVER']);
      assert.deepEqual(item(report, 'metals'), { outcome: 'created-on-broker', brokerWatchlistId: metalsId, recordId: 'metals', reason: 'asked to publish', addedOnBroker: ['GOLD', 'SILVER'], removedOnBroker: [], addedLocally: [], removedLocally: [], recordVersion: 2, conflicts: [] });
      assert.equal((await local('metals'))?.brokerWatchlistId, metalsId);
      const popular = await local('popular');
      assert.ok(popular, `the broker's Popular list is a record now: ${JSON.stringify(report.items)}`);
      assert.deepEqual(popular.epics, await brokerEpics(popular.brokerWatchlistId!));
      assert.equal(item(report, 'popular')?.outcome, 'imported');
      assert.equal(await brokerIdOf('Scratch'), undefined, 'a local-only watchlist stays local');
      assert.equal(report.conflicts, 0);
    });

    test('changes on both sides meet: the broker gets ours, we get the broker’s, local order kept', async () => {
      const metalsId = (await brokerIdOf('Metals'))!;
      await capital.addToWatchlist(metalsId, 'COPPER');
      await capital.removeFromWatchlist(metalsId, 'SILVER');
      const before = (await local('metals'))!;
      await saveChartRecord(db(), { ...before, version: before.version + 1, epics: ['OIL_CRUDE', 'GOLD', 'SILVER'] }, { expectedVersion: before.version, nowMs: NOW_MS, source: 'api' });

      const env = { TEMPORAL_ADDRESS: testStack().address, TEMPORAL_NAMESPACE: testStack().namespace, TEMPORAL_TASK_QUEUE: ctx.taskQueue, LOG_LEVEL: 'silent' };
      const cli = await recon(env, 'charts', 'sync', '--account', accountId, '--json');
      assert.equal(cli.code, 0, cli.stderr);
      const report = JSON.parse(cli.stdout) as WatchlistSyncReport;
      const metals = item(report, 'metals');
      assert.deepEqual(
        metals && { outcome: metals.outcome, addedOnBroker: metals.addedOnBroker, removedOnBroker: metals.removedOnBroker, addedLocally: metals.addedLocally, removedLocally: metals.removedLocally },
        { outcome: 'synced', addedOnBroker: ['OIL_CRUDE'], removedOnBroker: [], addedLocally: ['COPPER'], removedLocally: ['SILVER'] },
      );
      assert.deepEqual((await local('metals'))?.epics, ['OIL_CRUDE', 'GOLD', 'COPPER']);
      assert.deepEqual((await brokerEpics(metalsId)).sort(), ['COPPER', 'GOLD', 'OIL_CRUDE']);
      assert.equal(report.inStep, 1, 'Popular is in step');

      const human = await recon(env, 'charts', 'sync', '--account', accountId);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, new RegExp(`Synced account ${accountId} .*: 2 broker watchlist\\(s\\), 3 local; 0 changed, 2 in step, 0 conflict\\(s\\)\\.`));
    });

    test('an epic the broker does not know stays here and is reported; a local removal reaches the broker', async () => {
      const metalsId = (await brokerIdOf('Metals'))!;
      const before = (await local('metals'))!;
      await saveChartRecord(db(), { ...before, version: before.version + 1, epics: ['OIL_CRUDE', 'GOLD', 'NOSUCHEPIC'] }, { expectedVersion: before.version, nowMs: NOW_MS, source: 'api' });
      const report = await sync();
      const metals = item(report, 'metals')!;
      assert.deepEqual([metals.outcome, metals.removedOnBroker, metals.addedOnBroker], ['synced', ['COPPER'], []]);
      assert.equal(metals.conflicts.length, 1);
      assert.match(metals.conflicts[0]!, /the broker refused to add NOSUCHEPIC to watchlist \d+ \(404 error\.not-found\.epic\): it stays in 'metals'/);
      assert.deepEqual((await brokerEpics(metalsId)).sort(), ['GOLD', 'OIL_CRUDE']);
      assert.deepEqual((await local('metals'))?.epics, ['OIL_CRUDE', 'GOLD', 'NOSUCHEPIC']);

      const again = await sync();
      assert.equal(item(again, 'metals')?.conflicts.length, 1, 'tried again, reported again');
      assert.equal(again.changed, 0);
    });

    test('a watchlist new on the broker is imported; deleting its record deletes it on the broker; a broker deletion deletes ours', async () => {
      await capital.createWatchlist('Indices', ['US500', 'DE40']);
      const imported = await sync();
      assert.equal(item(imported, 'indices')?.outcome, 'imported');
      assert.deepEqual((await local('indices'))?.epics, ['US500', 'DE40']);

      const indices = (await local('indices'))!;
      await deleteChartRecord(db(), 'watchlist', 'indices', { expectedVersion: indices.version, nowMs: NOW_MS, source: 'api' });
      const deletedThere = await sync();
      assert.equal(item(deletedThere, 'indices')?.outcome, 'deleted-on-broker');
      assert.equal(await brokerIdOf('Indices'), undefined);

      const metals = (await local('metals'))!;
      await saveChartRecord(db(), { ...metals, version: metals.version + 1, epics: ['OIL_CRUDE', 'GOLD'] }, { expectedVersion: metals.version, nowMs: NOW_MS, source: 'api' });
      assert.equal((await sync()).conflicts, 0, 'in step again');
      await capital.deleteWatchlist(metals.brokerWatchlistId!);
      const deletedHere = await sync();
      assert.equal(item(deletedHere, 'metals')?.outcome, 'deleted-locally');
      assert.equal(await local('metals'), undefined);
      const history = await chartRecordHistory(db(), 'watchlist', 'metals');
      assert.equal(history.at(-1)?.deleted, true);
      assert.ok(history.some((v) => v.source === 'sync' && !v.deleted), 'the sync’s own versions are in the history');

      const quiet = await sync();
      assert.deepEqual([quiet.changed, quiet.conflicts, quiet.items.map((i) => i.outcome)], [0, 0, []]);
    });
  });
});
