import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { projectRoot } from '../../../lib/devstack/paths';
import {
  CHART_CONFIG_FORMAT,
  ChartConfigError,
  type ChartImportResult,
  type ChartRecord,
  exportChartRecords,
  importChartRecords,
} from '../../../lib/market/chart-config';

const EXPORTED_AT_MS = Date.UTC(2026, 2, 2, 9, 30);
const AT = '2026-03-01T12:00:00Z';

function watchlist(overrides: Partial<ChartRecord> & Record<string, unknown> = {}) {
  return { kind: 'watchlist', id: 'metals', name: 'Metals', version: 1, updatedAt: AT, epics: ['GOLD', 'SILVER'], ...overrides } as ChartRecord;
}
function indicatorSet(overrides: Record<string, unknown> = {}) {
  return { kind: 'indicator-set', id: 'trend', name: 'Trend', version: 1, updatedAt: AT, indicators: [{ type: 'EMA', params: { length: 50, source: 'close' } }], ...overrides } as ChartRecord;
}
function layout(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'chart-layout',
    id: 'gold-two-timeframes',
    name: 'Gold H1 and D1',
    version: 1,
    updatedAt: AT,
    grid: '1x2',
    panes: [
      { epic: 'GOLD', resolution: 'HOUR', chartType: 'candles', indicatorSetId: 'trend' },
      { epic: 'GOLD', resolution: 'DAY', chartType: 'candles' },
    ],
    ...overrides,
  } as ChartRecord;
}
function preset(overrides: Record<string, unknown> = {}) {
  return { kind: 'interval-preset', id: 'swing', name: 'Swing', version: 1, updatedAt: AT, resolutions: ['HOUR_4', 'DAY', 'WEEK'], ...overrides } as ChartRecord;
}

function documentOf(records: unknown[]) {
  return { format: CHART_CONFIG_FORMAT, formatVersion: 1, exportedAt: '2026-03-02T09:30:00.000Z', records };
}

function statuses(result: ChartImportResult): string[] {
  return result.outcomes.map((outcome) => `${outcome.index}:${outcome.kind}:${outcome.id}:${outcome.status}`);
}

describe('export', () => {
  test('sorts by kind (dependencies first) then id, and stamps the format and time', () => {
    const document = exportChartRecords([layout(), watchlist({ id: 'zinc' }), indicatorSet(), watchlist(), preset()], EXPORTED_AT_MS);
    assert.equal(document.format, 'capital-recon/chart-config');
    assert.equal(document.formatVersion, 1);
    assert.equal(document.exportedAt, '2026-03-02T09:30:00.000Z');
    assert.deepEqual(
      document.records.map((record) => `${record.kind}:${record.id}`),
      ['watchlist:metals', 'watchlist:zinc', 'interval-preset:swing', 'indicator-set:trend', 'chart-layout:gold-two-timeframes'],
    );
  });

  test('the same records in any order and with any key order give the same text', () => {
    const reordered = (record: ChartRecord) => Object.fromEntries(Object.entries(record).reverse()) as ChartRecord;
    const first = JSON.stringify(exportChartRecords([watchlist(), indicatorSet(), layout()], EXPORTED_AT_MS));
    const second = JSON.stringify(exportChartRecords([layout(), reordered(indicatorSet()), reordered(watchlist())], EXPORTED_AT_MS));
    assert.equal(second, first);
    assert.ok(first.startsWith('{"format":"capital-recon/chart-config","formatVersion":1,"exportedAt":"2026-03-02T09:30:00.000Z","records":[{"kind":"watchlist","id":"metals","name":"Metals"'));
  });

  test('what is exported imports as unchanged against the same records', () => {
    const records = [watchlist(), indicatorSet(), layout(), preset()];
    const result = importChartRecords(JSON.stringify(exportChartRecords(records, EXPORTED_AT_MS)), records);
    assert.equal(result.ok, true);
    assert.deepEqual(result.outcomes.map((outcome) => outcome.status), ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  test('an invalid or repeated record, or a bad time, is refused rather than exported', () => {
    assert.throws(() => exportChartRecords([watchlist({ epics: ['gold'] })], EXPORTED_AT_MS), (error: unknown) => error instanceof ChartConfigError && /records\[0\] is invalid: epics\[0\]: expected an upper-case epic/.test(error.message));
    assert.throws(() => exportChartRecords([watchlist(), watchlist({ version: 2 })], EXPORTED_AT_MS), /records\[1\] repeats watchlist 'metals'/);
    assert.throws(() => exportChartRecords([], Number.NaN), /exportedAtMs must be UTC epoch milliseconds/);
  });
});

describe('import: new, update, unchanged, conflict', () => {
  test('records not stored are new', () => {
    const result = importChartRecords(documentOf([watchlist(), preset()]));
    assert.equal(result.ok, true);
    assert.deepEqual(statuses(result), ['0:watchlist:metals:new', '1:interval-preset:swing:new']);
    assert.deepEqual(result.outcomes[0]?.record, watchlist());
  });

  test('a higher version is an update, naming both versions', () => {
    const result = importChartRecords(documentOf([watchlist({ version: 3, epics: ['GOLD'] })]), [watchlist({ version: 2 })]);
    assert.equal(result.ok, true);
    assert.deepEqual(result.outcomes[0] && { status: result.outcomes[0].status, existingVersion: result.outcomes[0].existingVersion, reason: result.outcomes[0].reason }, {
      status: 'update',
      existingVersion: 2,
      reason: 'version 3 replaces the stored version 2',
    });
  });

  test('the same version with the same content is unchanged, even with another updatedAt', () => {
    const result = importChartRecords(documentOf([preset({ updatedAt: '2026-03-02T00:00:00Z' })]), [preset()]);
    assert.equal(result.ok, true);
    assert.deepEqual(statuses(result), ['0:interval-preset:swing:unchanged']);
  });

  test('the same version with different content is a conflict, and the import is not ok', () => {
    const result = importChartRecords(documentOf([watchlist({ version: 2, epics: ['GOLD', 'PLATINUM'] }), preset()]), [watchlist({ version: 2 })]);
    assert.equal(result.ok, false);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(statuses(result), ['0:watchlist:metals:conflict', '1:interval-preset:swing:new']);
    assert.equal(result.outcomes[0]?.reason, 'version 2 is not above the stored version 2 and the content differs; merge the two by hand and save the result as version 3');
  });

  test('a lower version with different content is a conflict; with the same content it is unchanged', () => {
    assert.deepEqual(statuses(importChartRecords(documentOf([indicatorSet({ version: 1, name: 'Old trend' })]), [indicatorSet({ version: 4 })])), ['0:indicator-set:trend:conflict']);
    assert.deepEqual(statuses(importChartRecords(documentOf([indicatorSet({ version: 1 })]), [indicatorSet({ version: 4 })])), ['0:indicator-set:trend:unchanged']);
  });

  test('the same id in another kind is another record', () => {
    const result = importChartRecords(documentOf([preset({ id: 'metals' })]), [watchlist()]);
    assert.deepEqual(statuses(result), ['0:interval-preset:metals:new']);
  });
});

describe('import: problems per record', () => {
  test('every invalid record is reported with its index and path; valid ones still get an outcome', () => {
    const result = importChartRecords(documentOf([watchlist(), { ...preset(), resolutions: ['HOUR', 'HOUR'] }, { ...layout(), grid: '2x2', extra: true }]));
    assert.equal(result.ok, false);
    assert.deepEqual(result.problems, [
      { index: 1, path: 'resolutions[1]', reason: 'repeats resolutions[0]; a resolution may appear once' },
      { index: 2, path: 'extra', reason: 'not a field of a chart layout; known fields: kind, id, name, version, updatedAt, owner, description, grid, panes, syncCrosshair, syncInterval' },
      { index: 2, path: 'panes', reason: 'grid 2x2 has 4 cells, so it needs 4 panes; got 2' },
    ]);
    assert.deepEqual(statuses(result), ['0:watchlist:metals:new']);
  });

  test('a record twice in one document', () => {
    const result = importChartRecords(documentOf([watchlist(), watchlist({ version: 2 })]));
    assert.deepEqual(result.problems, [{ index: 1, path: 'id', reason: "records[0] is already watchlist 'metals'; a document holds each record once" }]);
  });

  test('a wrong format, version or time, or unknown fields, stop the import before the records', () => {
    const result = importChartRecords({ format: 'tradingview/layout', formatVersion: 2, exportedAt: 'yesterday', records: [{}], note: 'x' });
    assert.deepEqual(result, {
      ok: false,
      outcomes: [],
      problems: [
        { index: null, path: 'format', reason: 'expected "capital-recon/chart-config", got the text "tradingview/layout"' },
        { index: null, path: 'formatVersion', reason: 'expected 1, got number 2' },
        { index: null, path: 'exportedAt', reason: 'expected an ISO 8601 UTC time ending in Z, such as "2026-01-31T09:30:00Z"' },
        { index: null, path: 'note', reason: 'not a field of a chart-config document; known fields: format, formatVersion, exportedAt, records' },
      ],
    });
  });

  test('text that is not JSON, and a document that is not an object', () => {
    const notJson = importChartRecords('{"format":');
    assert.equal(notJson.problems[0]?.path, 'document');
    assert.match(notJson.problems[0]?.reason ?? '', /^not JSON: /);
    assert.deepEqual(importChartRecords(42).problems, [{ index: null, path: 'document', reason: 'expected an object, got number 42' }]);
  });

  test('more records than a document holds', () => {
    assert.deepEqual(importChartRecords(documentOf(Array.from({ length: 1_001 }, () => ({})))).problems, [{ index: null, path: 'records', reason: 'must hold at most 1000 item(s); holds 1001' }]);
  });

  test('stored records holding one record twice are a broken store, and throw', () => {
    assert.throws(() => importChartRecords(documentOf([]), [preset(), preset({ version: 2 })]), /the stored records hold interval-preset 'swing' twice/);
  });
});

describe('import: references between records', () => {
  test('a pane’s indicator set may be in the same document, later or earlier', () => {
    assert.equal(importChartRecords(documentOf([layout(), indicatorSet()])).ok, true);
  });

  test('a pane’s indicator set may be among the stored records', () => {
    const result = importChartRecords(documentOf([layout()]), [indicatorSet()]);
    assert.equal(result.ok, true);
    assert.deepEqual(statuses(result), ['0:chart-layout:gold-two-timeframes:new']);
  });

  test('a missing indicator set is a problem on the pane, and the layout gets no outcome', () => {
    const panes = [
      { epic: 'GOLD', resolution: 'HOUR', chartType: 'candles', indicatorSetId: 'trend' },
      { epic: 'GOLD', resolution: 'DAY', chartType: 'candles', indicatorSetId: 'momentum' },
    ];
    const result = importChartRecords(documentOf([layout({ panes })]));
    assert.deepEqual(result.problems, [
      { index: 0, path: 'panes[0].indicatorSetId', reason: "no indicator set 'trend' in this document or the stored records" },
      { index: 0, path: 'panes[1].indicatorSetId', reason: "no indicator set 'momentum' in this document or the stored records" },
    ]);
    assert.deepEqual(result.outcomes, []);
  });

  test('an indicator set that is in the document but invalid is named as the cause', () => {
    const result = importChartRecords(documentOf([{ ...indicatorSet(), indicators: [] }, layout()]));
    assert.deepEqual(result.problems, [
      { index: 0, path: 'indicators', reason: 'must hold at least 1 item(s); holds 0' },
      { index: 1, path: 'panes[0].indicatorSetId', reason: "indicator set 'trend' is records[0], which has problems of its own" },
    ]);
  });

  test('a watchlist id is not an indicator set', () => {
    const result = importChartRecords(documentOf([layout(), watchlist({ id: 'trend' })]));
    assert.equal(result.problems[0]?.path, 'panes[0].indicatorSetId');
  });

  test('two local watchlists may not sync with one broker watchlist', () => {
    const result = importChartRecords(documentOf([watchlist({ id: 'energy', epics: ['OIL_CRUDE'], brokerWatchlistId: '777' })]), [watchlist({ brokerWatchlistId: '777' })]);
    assert.deepEqual(result.problems, [{ index: 0, path: 'brokerWatchlistId', reason: "broker watchlist 777 already syncs with watchlist 'metals'; one local watchlist per broker watchlist" }]);
  });

  test('moving a broker watchlist id from one record to another in one import is fine', () => {
    const result = importChartRecords(documentOf([watchlist({ version: 2 }), watchlist({ id: 'energy', epics: ['OIL_CRUDE'], brokerWatchlistId: '777' })]), [watchlist({ brokerWatchlistId: '777' })]);
    assert.equal(result.ok, true);
    assert.deepEqual(statuses(result), ['0:watchlist:metals:update', '1:watchlist:energy:new']);
  });
});

describe('the example in CHART-CONFIG.md', () => {
  const markdown = readFileSync(path.join(projectRoot(), 'lib', 'market', 'CHART-CONFIG.md'), 'utf8');
  const example = /```json\n([\s\S]*?)\n```/.exec(markdown)?.[1] ?? '';

  test('imports cleanly as four new records', () => {
    const result = importChartRecords(example);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      statuses(result),
      ['0:watchlist:metals:new', '1:interval-preset:intraday:new', '2:indicator-set:trend-momentum:new', '3:chart-layout:gold-three-timeframes:new'],
    );
  });

  test('is what export writes for its records, field for field and in order', () => {
    const parsed = JSON.parse(example) as { exportedAt: string; records: ChartRecord[] };
    const exported = exportChartRecords([...parsed.records].reverse(), Date.parse(parsed.exportedAt));
    assert.equal(JSON.stringify(exported), JSON.stringify(parsed));
  });
});
