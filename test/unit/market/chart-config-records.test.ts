import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ChartConfigProblem, INDICATOR_DEFAULT_PARAMS, INDICATOR_TYPES, parseChartRecord, WATCHLIST_EPICS_MAX } from '../../../lib/market/chart-config';

const BASE = { name: 'Example', version: 1, updatedAt: '2026-03-02T08:00:00Z' };

function watchlist(overrides: Record<string, unknown> = {}) {
  return { kind: 'watchlist', id: 'metals', ...BASE, epics: ['GOLD', 'SILVER', 'COPPER'], ...overrides };
}
function indicatorSet(overrides: Record<string, unknown> = {}) {
  return { kind: 'indicator-set', id: 'trend', ...BASE, indicators: [{ type: 'EMA', params: { length: 50, source: 'close' } }], ...overrides };
}
function layout(overrides: Record<string, unknown> = {}) {
  return { kind: 'chart-layout', id: 'gold-hour-day', ...BASE, grid: '1x2', panes: [pane(), pane({ resolution: 'DAY' })], ...overrides };
}
function pane(overrides: Record<string, unknown> = {}) {
  return { epic: 'GOLD', resolution: 'HOUR', chartType: 'candles', ...overrides };
}
function preset(overrides: Record<string, unknown> = {}) {
  return { kind: 'interval-preset', id: 'intraday', ...BASE, resolutions: ['MINUTE_5', 'MINUTE_15', 'HOUR'], ...overrides };
}

function problemsOf(json: unknown): ChartConfigProblem[] {
  const result = parseChartRecord(json);
  assert.equal(result.ok, false, 'expected the record to be refused');
  return result.ok ? [] : result.problems;
}

function paths(json: unknown): string[] {
  return problemsOf(json).map((problem) => problem.path);
}

function reasonAt(json: unknown, path: string): string {
  const problem = problemsOf(json).find((p) => p.path === path);
  assert.ok(problem, `no problem at ${path}`);
  return problem.reason;
}

function assertValid(json: unknown): void {
  const result = parseChartRecord(json);
  assert.deepEqual(result.ok ? [] : result.problems, []);
  assert.deepEqual(result.ok && result.record, json);
}

describe('valid records of each kind', () => {
  test('a watchlist with an owner, a description and a broker watchlist id', () => {
    assertValid(watchlist({ owner: 'analyst@desk', description: 'Metals we trade.\nReviewed weekly.', brokerWatchlistId: '2345653' }));
  });

  test('an empty watchlist and one at the 100-epic limit', () => {
    assertValid(watchlist({ epics: [] }));
    assertValid(watchlist({ epics: Array.from({ length: WATCHLIST_EPICS_MAX }, (_, i) => `EPIC${i}`) }));
  });

  test('an indicator set using every type in the catalogue with its defaults and a style', () => {
    const indicators = INDICATOR_TYPES.map((type) => ({ type, params: INDICATOR_DEFAULT_PARAMS[type], style: { color: '#2962FF', lineWidth: 2, visible: true } }));
    assertValid(indicatorSet({ indicators }));
  });

  test('the same indicator type twice with different params (SMA 50 and SMA 200)', () => {
    assertValid(indicatorSet({ indicators: [{ type: 'SMA', params: { length: 50, source: 'close' } }, { type: 'SMA', params: { length: 200, source: 'close' } }] }));
  });

  test('bounds that are allowed: length 1 and 500, stdDev 0.1 and 10, a volume without its average', () => {
    assertValid(
      indicatorSet({
        indicators: [
          { type: 'WMA', params: { length: 1, source: 'hl2' } },
          { type: 'WMA', params: { length: 500, source: 'ohlc4' } },
          { type: 'BOLLINGER_BANDS', params: { length: 20, stdDev: 0.1, source: 'close' } },
          { type: 'BOLLINGER_BANDS', params: { length: 20, stdDev: 10, source: 'close' } },
          { type: 'BOLLINGER_BANDS', params: { length: 20, stdDev: 2.25, source: 'hlc3' } },
          { type: 'VOLUME', params: {} },
        ],
      }),
    );
  });

  test('a 2x2 layout of four instruments and a 1x3 layout of three timeframes of one instrument', () => {
    assertValid(layout({ grid: '2x2', panes: ['GOLD', 'SILVER', 'US500', 'EURUSD'].map((epic) => pane({ epic, indicatorSetId: 'trend' })), syncCrosshair: true, syncInterval: true }));
    assertValid(layout({ grid: '1x3', panes: ['MINUTE_15', 'HOUR_4', 'WEEK'].map((resolution) => pane({ resolution, chartType: 'heikin_ashi' })), syncInterval: false }));
  });

  test('every grid with its number of panes', () => {
    for (const [grid, cells] of Object.entries({ '1x1': 1, '1x2': 2, '2x1': 2, '2x2': 4, '1x3': 3, '3x1': 3, '2x3': 6, '3x2': 6 })) {
      assertValid(layout({ grid, panes: Array.from({ length: cells }, () => pane({ chartType: 'area' })) }));
    }
  });

  test('an interval preset of every resolution', () => {
    assertValid(preset({ resolutions: ['MINUTE', 'MINUTE_5', 'MINUTE_15', 'MINUTE_30', 'HOUR', 'HOUR_4', 'DAY', 'WEEK'] }));
  });
});

describe('common fields', () => {
  test('a bad id, name, version and time are all named at once', () => {
    assert.deepEqual(problemsOf(watchlist({ id: 'Metals List', name: ' padded', version: 0, updatedAt: '2026-03-02T08:00:00+01:00' })), [
      { path: 'id', reason: 'expected a slug: lower-case letters and digits in words joined by single hyphens, such as "us-tech"' },
      { path: 'name', reason: 'expected visible text with no control characters and no leading or trailing spaces' },
      { path: 'version', reason: 'must be at least 1; got 0' },
      { path: 'updatedAt', reason: 'expected an ISO 8601 UTC time ending in Z, such as "2026-01-31T09:30:00Z"' },
    ]);
  });

  test('missing fields are required, and a fractional version is not a whole number', () => {
    assert.deepEqual(problemsOf({ kind: 'interval-preset', version: 1.5 }), [
      { path: 'id', reason: 'required' },
      { path: 'name', reason: 'required' },
      { path: 'version', reason: 'expected a whole number, got number 1.5' },
      { path: 'updatedAt', reason: 'required' },
      { path: 'resolutions', reason: 'required' },
    ]);
  });

  test('an owner with a space and a description with a tab are refused', () => {
    assert.deepEqual(paths(preset({ owner: 'two words', description: 'a\tb' })), ['owner', 'description']);
  });

  test('an unknown field is refused, naming the fields the record does know', () => {
    assert.deepEqual(problemsOf(preset({ colour: 'red', tags: [] })), [
      { path: 'colour', reason: 'not a field of an interval preset; known fields: kind, id, name, version, updatedAt, owner, description, resolutions' },
      { path: 'tags', reason: 'not a field of an interval preset; known fields: kind, id, name, version, updatedAt, owner, description, resolutions' },
    ]);
  });

  test('an unknown or missing kind, and a record that is not an object', () => {
    assert.deepEqual(problemsOf({ ...BASE, kind: 'drawing' }), [{ path: 'kind', reason: '"drawing" is not a known kind; expected one of watchlist, indicator-set, chart-layout, interval-preset' }]);
    assert.deepEqual(problemsOf({ ...BASE }), [{ path: 'kind', reason: 'required; one of watchlist, indicator-set, chart-layout, interval-preset' }]);
    assert.deepEqual(problemsOf([watchlist()]), [{ path: 'record', reason: 'expected an object, got a list' }]);
  });
});

describe('watchlist rules', () => {
  test('a lower-case epic, a repeated epic and a non-text epic are each named by index', () => {
    assert.deepEqual(problemsOf(watchlist({ epics: ['GOLD', 'silver', 'GOLD', 42] })), [
      { path: 'epics[1]', reason: 'expected an upper-case epic such as GOLD or US500 (letters, digits, . _ -; up to 64)' },
      { path: 'epics[3]', reason: 'expected text, got number 42' },
      { path: 'epics[2]', reason: 'repeats epics[0]; an epic may appear once' },
    ]);
  });

  test('more than 100 epics', () => {
    assert.equal(reasonAt(watchlist({ epics: Array.from({ length: WATCHLIST_EPICS_MAX + 1 }, (_, i) => `EPIC${i}`) }), 'epics'), 'must hold at most 100 item(s); holds 101');
  });

  test('a broker watchlist id with a slash is refused', () => {
    assert.match(reasonAt(watchlist({ brokerWatchlistId: '12/34' }), 'brokerWatchlistId'), /no spaces, slashes or control characters/);
  });
});

describe('indicator rules', () => {
  test('several parameter problems across indicators, each with its path', () => {
    const json = indicatorSet({
      indicators: [
        { type: 'SMA', params: { length: 501, source: 'typical' } },
        { type: 'MACD', params: { fast: 26, slow: 12, signal: 9, source: 'close' } },
        { type: 'RSI', params: { length: 14, source: 'close', overbought: 30, oversold: 70 } },
        { type: 'BOLLINGER_BANDS', params: { length: 20, stdDev: 12, source: 'close' } },
        { type: 'BOLLINGER_BANDS', params: { length: 20, stdDev: 2.125, source: 'close' } },
        { type: 'ICHIMOKU', params: {} },
      ],
    });
    assert.deepEqual(problemsOf(json), [
      { path: 'indicators[0].params.length', reason: 'must be at most 500; got 501' },
      { path: 'indicators[0].params.source', reason: '"typical" is not a price source; expected one of open, high, low, close, hl2, hlc3, ohlc4' },
      { path: 'indicators[1].params.fast', reason: 'fast 26 must be below slow 12' },
      { path: 'indicators[2].params.oversold', reason: 'oversold 70 must be below overbought 30' },
      { path: 'indicators[3].params.stdDev', reason: 'must be at most 10; got 12' },
      { path: 'indicators[4].params.stdDev', reason: '2.125 has more than two decimal places; use a value such as 2 or 2.5' },
      { path: 'indicators[5].type', reason: '"ICHIMOKU" is not a known type; expected one of SMA, EMA, WMA, RSI, MACD, BOLLINGER_BANDS, STOCHASTIC, ATR, VWAP, VOLUME' },
    ]);
  });

  test('a rule between params still runs when another param failed', () => {
    assert.deepEqual(paths(indicatorSet({ indicators: [{ type: 'MACD', params: { fast: 12, slow: 12, signal: 0, source: 'close' } }] })), ['indicators[0].params.signal', 'indicators[0].params.fast']);
  });

  test('stochastic bands in the wrong order, an unknown param and a missing one', () => {
    assert.deepEqual(problemsOf(indicatorSet({ indicators: [{ type: 'STOCHASTIC', params: { kLength: 14, kSmoothing: 1, overbought: 20, oversold: 20, period: 3 } }] })), [
      { path: 'indicators[0].params.dSmoothing', reason: 'required' },
      { path: 'indicators[0].params.period', reason: 'not a field of STOCHASTIC params; known fields: kLength, kSmoothing, dSmoothing, overbought, oversold' },
      { path: 'indicators[0].params.oversold', reason: 'oversold 20 must be below overbought 20' },
    ]);
  });

  test('ATR smoothing and VWAP anchor come from closed lists; a length must be a whole number', () => {
    assert.deepEqual(problemsOf(indicatorSet({ indicators: [{ type: 'ATR', params: { length: 14.5, smoothing: 'HMA' } }, { type: 'VWAP', params: { anchor: 'DAY', source: 'close' } }] })), [
      { path: 'indicators[0].params.length', reason: 'expected a whole number, got number 14.5' },
      { path: 'indicators[0].params.smoothing', reason: '"HMA" is not an ATR smoothing; expected one of RMA, SMA, EMA, WMA' },
      { path: 'indicators[1].params.anchor', reason: '"DAY" is not a VWAP anchor period; expected one of SESSION, WEEK, MONTH, QUARTER, YEAR' },
    ]);
  });

  test('the same type with the same params twice is refused whatever the key order or style', () => {
    const json = indicatorSet({ indicators: [{ type: 'SMA', params: { length: 20, source: 'close' } }, { type: 'SMA', params: { source: 'close', length: 20 }, style: { color: '#FF0000' } }] });
    assert.deepEqual(problemsOf(json), [{ path: 'indicators[1]', reason: 'repeats indicators[0]; the same type with the same params may appear once' }]);
  });

  test('a bad style, and an empty set', () => {
    assert.deepEqual(paths(indicatorSet({ indicators: [{ type: 'EMA', params: { length: 9, source: 'close' }, style: { color: 'blue', lineWidth: 5, dashed: true } }] })), [
      'indicators[0].style.color',
      'indicators[0].style.lineWidth',
      'indicators[0].style.dashed',
    ]);
    assert.equal(reasonAt(indicatorSet({ indicators: [] }), 'indicators'), 'must hold at least 1 item(s); holds 0');
  });
});

describe('chart layout rules', () => {
  test('pane count must match the grid, and every bad pane field is named', () => {
    const json = layout({ grid: '2x2', panes: [pane(), pane({ epic: 'gold', resolution: 'MINUTE_3', chartType: 'renko', indicatorSetId: 'Trend Set' }), pane({ symbol: 'GOLD' })] });
    assert.deepEqual(problemsOf(json), [
      { path: 'panes[1].epic', reason: 'expected an upper-case epic such as GOLD or US500 (letters, digits, . _ -; up to 64)' },
      { path: 'panes[1].resolution', reason: '"MINUTE_3" is not a resolution; expected one of MINUTE, MINUTE_5, MINUTE_15, MINUTE_30, HOUR, HOUR_4, DAY, WEEK' },
      { path: 'panes[1].chartType', reason: '"renko" is not a chart type; expected one of candles, bars, line, area, heikin_ashi' },
      { path: 'panes[1].indicatorSetId', reason: 'expected a slug: lower-case letters and digits in words joined by single hyphens, such as "us-tech"' },
      { path: 'panes[2].symbol', reason: 'not a field of a chart pane; known fields: epic, resolution, chartType, indicatorSetId' },
      { path: 'panes', reason: 'grid 2x2 has 4 cells, so it needs 4 panes; got 3' },
    ]);
  });

  test('an unknown grid', () => {
    assert.deepEqual(problemsOf(layout({ grid: '4x4' })), [{ path: 'grid', reason: '"4x4" is not a grid; expected one of 1x1, 1x2, 2x1, 2x2, 1x3, 3x1, 2x3, 3x2' }]);
  });

  test('syncInterval refuses panes of different resolutions; without it they sit side by side', () => {
    const panes = [pane({ resolution: 'HOUR' }), pane({ resolution: 'HOUR' }), pane({ resolution: 'DAY' })];
    assert.deepEqual(problemsOf(layout({ grid: '3x1', panes, syncInterval: true })), [
      { path: 'panes[2].resolution', reason: "syncInterval is on, so every pane shows panes[0]'s HOUR, not DAY; turn syncInterval off to put timeframes side by side" },
    ]);
    assertValid(layout({ grid: '3x1', panes }));
  });

  test('sync flags must be true or false', () => {
    assert.deepEqual(problemsOf(layout({ syncCrosshair: 'yes' })), [{ path: 'syncCrosshair', reason: 'expected true or false, got the text "yes"' }]);
  });
});

describe('interval preset rules', () => {
  test('a repeated resolution, an unknown one and an empty list', () => {
    assert.deepEqual(problemsOf(preset({ resolutions: ['HOUR', 'MINUTE_10', 'HOUR'] })), [
      { path: 'resolutions[1]', reason: '"MINUTE_10" is not a resolution; expected one of MINUTE, MINUTE_5, MINUTE_15, MINUTE_30, HOUR, HOUR_4, DAY, WEEK' },
      { path: 'resolutions[2]', reason: 'repeats resolutions[0]; a resolution may appear once' },
    ]);
    assert.deepEqual(problemsOf(preset({ resolutions: [] })), [{ path: 'resolutions', reason: 'must hold at least 1 item(s); holds 0' }]);
  });
});
