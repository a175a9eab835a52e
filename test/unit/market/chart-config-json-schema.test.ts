import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { type ChartRecord, chartConfigJsonSchema, exportChartRecords, INDICATOR_DEFAULT_PARAMS, INDICATOR_TYPES } from '../../../lib/market/chart-config';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; items?: JsonSchema; oneOf?: JsonSchema[]; required?: string[] };

const AT = '2026-03-01T12:00:00Z';
const RECORDS = [
  { kind: 'watchlist', id: 'metals', name: 'Metals', version: 3, updatedAt: AT, owner: 'desk-a', epics: ['GOLD', 'SILVER'], brokerWatchlistId: '2345653' },
  { kind: 'indicator-set', id: 'everything', name: 'Every indicator', version: 1, updatedAt: AT, indicators: INDICATOR_TYPES.map((type) => ({ type, params: INDICATOR_DEFAULT_PARAMS[type], style: { color: '#26A69A' } })) },
  {
    kind: 'chart-layout',
    id: 'gold-grid',
    name: 'Gold 2x2',
    version: 2,
    updatedAt: AT,
    description: 'Four timeframes',
    grid: '2x2',
    syncCrosshair: true,
    panes: (['MINUTE_15', 'HOUR', 'HOUR_4', 'DAY'] as const).map((resolution) => ({ epic: 'GOLD', resolution, chartType: 'candles', indicatorSetId: 'everything' })),
  },
  { kind: 'interval-preset', id: 'swing', name: 'Swing', version: 1, updatedAt: AT, resolutions: ['HOUR_4', 'DAY', 'WEEK'] },
] as ChartRecord[];

function recordSchemas(schema: JsonSchema): JsonSchema[] {
  return schema.properties?.records?.items?.oneOf ?? [];
}

describe('the published JSON Schema', () => {
  const schema = chartConfigJsonSchema() as JsonSchema;

  test('is draft 2020-12, closed, and pins the format and its version', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.title, 'capital-recon chart configuration');
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ['format', 'formatVersion', 'exportedAt', 'records']);
    assert.equal(schema.properties?.format?.const, 'capital-recon/chart-config');
    assert.equal(schema.properties?.formatVersion?.const, 1);
    assert.equal(schema.properties?.records?.maxItems, 1000);
  });

  test('has one closed record schema per kind, each requiring the common fields', () => {
    const records = recordSchemas(schema);
    assert.deepEqual(
      records.map((record) => record.properties?.kind?.const),
      ['watchlist', 'indicator-set', 'chart-layout', 'interval-preset'],
    );
    for (const record of records) {
      assert.equal(record.additionalProperties, false);
      for (const field of ['kind', 'id', 'name', 'version', 'updatedAt']) assert.ok(record.required?.includes(field), `${String(record.properties?.kind?.const)} requires ${field}`);
      assert.deepEqual(record.properties?.version, { type: 'integer', minimum: 1, maximum: 1_000_000 });
    }
  });

  test('carries the bounds: 100 epics, the indicator catalogue, the grids and resolutions', () => {
    const [watchlist, indicatorSet, layout] = recordSchemas(schema);
    assert.equal(watchlist?.properties?.epics?.maxItems, 100);
    assert.deepEqual(indicatorSet?.properties?.indicators?.items?.oneOf?.map((option) => option.properties?.type?.const), [...INDICATOR_TYPES]);
    assert.deepEqual(layout?.properties?.grid?.enum, ['1x1', '1x2', '2x1', '2x2', '1x3', '3x1', '2x3', '3x2']);
    assert.deepEqual(layout?.properties?.panes?.items?.properties?.resolution?.enum, ['MINUTE', 'MINUTE_5', 'MINUTE_15', 'MINUTE_30', 'HOUR', 'HOUR_4', 'DAY', 'WEEK']);
  });

  test('round-trips: an exported document passes the schema read back, and a wrong one does not', () => {
    const document = JSON.parse(JSON.stringify(exportChartRecords(RECORDS, Date.UTC(2026, 2, 2)))) as Record<string, unknown>;
    const readBack = z.fromJSONSchema(schema);
    assert.equal(readBack.safeParse(document).success, true);
    assert.equal(readBack.safeParse({ ...document, formatVersion: 2 }).success, false);
    assert.equal(readBack.safeParse({ ...document, unknown: true }).success, false);
    const [first] = document.records as Record<string, unknown>[];
    assert.equal(readBack.safeParse({ ...document, records: [{ ...first, epics: ['gold'] }] }).success, false);
    assert.equal(readBack.safeParse({ ...document, records: [{ ...first, name: 'Métaux précieux ✓' }] }).success, true);
  });
});
