/**
 * The chart configuration records an analyst keeps (watchlists, indicator sets, chart layouts,
 * interval presets) as zod schemas, and `parseChartRecord`, which names every bad field and why.
 *
 * The schemas are closed: an unknown field is refused, since a misspelt one would silently do
 * nothing. Rules between fields (MACD fast < slow, pane count = grid cells, no duplicate epic)
 * run even when other fields failed, so one parse reports every problem. Rules and examples:
 * [CHART-CONFIG.md](CHART-CONFIG.md).
 */
import { z } from 'zod';
import { RESOLUTIONS } from '../capital/vocabulary';

export const CHART_RECORD_KINDS = ['watchlist', 'indicator-set', 'chart-layout', 'interval-preset'] as const;
export type ChartRecordKind = (typeof CHART_RECORD_KINDS)[number];

/** The broker's own watchlist limit is undocumented (REFERENCE §7.6); 100 is ours, and may be above the broker's. */
export const WATCHLIST_EPICS_MAX = 100;
/** The broker refuses longer names with `error.size.createwatchlistrequest.name`; a watchlist pushed to it needs a name this short. */
export const BROKER_WATCHLIST_NAME_MAX_CHARS = 20;
/** Indicators on one chart; TradingView's largest plan allows 25. */
export const INDICATORS_PER_SET_MAX = 25;
/** A length longer than this needs more bars than two `/prices` pages (max 1000 each) bring comfortably. */
export const INDICATOR_LENGTH_MAX = 500;
export const SMOOTHING_MAX = 100;
export const RECORD_ID_MAX_CHARS = 64;
export const RECORD_NAME_MAX_CHARS = 80;
export const RECORD_DESCRIPTION_MAX_CHARS = 500;
export const RECORD_VERSION_MAX = 1_000_000;

export const PRICE_SOURCES = ['open', 'high', 'low', 'close', 'hl2', 'hlc3', 'ohlc4'] as const;
export const INDICATOR_TYPES = ['SMA', 'EMA', 'WMA', 'RSI', 'MACD', 'BOLLINGER_BANDS', 'STOCHASTIC', 'ATR', 'VWAP', 'VOLUME'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];
export const ATR_SMOOTHINGS = ['RMA', 'SMA', 'EMA', 'WMA'] as const;
export const VWAP_ANCHORS = ['SESSION', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'] as const;
export const CHART_TYPES = ['candles', 'bars', 'line', 'area', 'heikin_ashi'] as const;
/** Rows × columns; panes fill the cells row by row, left to right. */
export const GRID_CELLS = Object.freeze({ '1x1': 1, '1x2': 2, '2x1': 2, '2x2': 4, '1x3': 3, '3x1': 3, '2x3': 6, '3x2': 6 } as const);
export type ChartGrid = keyof typeof GRID_CELLS;
const GRIDS = Object.keys(GRID_CELLS) as [ChartGrid, ...ChartGrid[]];
const PANES_MAX = Math.max(...Object.values(GRID_CELLS));

// Text is a class of what is allowed: printable ASCII and everything from U+00A0 (no control
// characters). No \p{…}: a JSON Schema pattern has no `u` flag, and the published schema must mean what these do.
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const EPIC = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;
const DISPLAY_TEXT = /^[!-~\u00a1-\uffff](?:[ -~\u00a0-\uffff]*[!-~\u00a1-\uffff])?$/;
const TOKEN = /^[!-~\u00a1-\uffff]{1,64}$/;
/** No slash (U+002F): the id goes into the path of `DELETE /watchlists/{id}/{epic}`. */
const BROKER_ID = /^[!-.0-~\u00a1-\uffff]{1,64}$/;
const PARAGRAPH = /^[\n -~\u00a0-\uffff]*$/;
const COLOUR = /^#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?$/;
const AT_MOST_TWO_DECIMALS = /^\d+(?:\.\d{1,2})?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A strict object whose unknown-field reason lists the fields it does know. */
export function closedObject<S extends z.core.$ZodLooseShape>(what: string, shape: S) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? `not a field of ${what}; known fields: ${known}` : undefined) });
}

type Report = (path: ReadonlyArray<string | number>, reason: string) => void;

/** A rule between fields. It runs even when other fields failed, so it checks its own inputs. */
function crossFieldRule<T>(rule: (value: Record<string, unknown>, report: Report) => void) {
  return z.superRefine<T>(
    (value, ctx) => {
      if (!isRecord(value)) return;
      rule(value, (path, message) => ctx.addIssue({ code: 'custom', path: [...path], message, input: value }));
    },
    { when: (payload) => isRecord(payload.value) },
  );
}

/** Refuses a repeated item, naming where it first appeared; `key` gives what counts as the same. */
function distinctItems<T>(field: string, what: string, key: (item: unknown) => string | undefined = (item) => (typeof item === 'string' ? item : undefined)) {
  return z.superRefine<T[]>(
    (items, ctx) => {
      const firstAt = new Map<string, number>();
      items.forEach((item, index) => {
        const itemKey = key(item);
        if (itemKey === undefined) return;
        const first = firstAt.get(itemKey);
        if (first === undefined) firstAt.set(itemKey, index);
        else ctx.addIssue({ code: 'custom', path: [index], message: `repeats ${field}[${first}]; ${what} may appear once`, input: item });
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  );
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, { error: (issue) => (issue.input === undefined ? `required; one of ${values.join(', ')}` : `${JSON.stringify(issue.input)} is not ${what}; expected one of ${values.join(', ')}`) });
}

const epic = z.string().regex(EPIC, { error: 'expected an upper-case epic such as GOLD or US500 (letters, digits, . _ -; up to 64)' });
const resolution = oneOf(RESOLUTIONS, 'a resolution');
const length = z.int().min(1).max(INDICATOR_LENGTH_MAX);
const smoothing = z.int().min(1).max(SMOOTHING_MAX);
const source = oneOf(PRICE_SOURCES, 'a price source');
const bandLevel = z.number().min(0).max(100);

/** The schema's own reason would replace 'required' for a missing time, so it yields to the shared one then. */
export const utcTime = z.iso.datetime({ error: (issue) => (issue.code === 'invalid_format' ? 'expected an ISO 8601 UTC time ending in Z, such as "2026-01-31T09:30:00Z"' : undefined) });

const recordBaseShape = {
  id: z.string().max(RECORD_ID_MAX_CHARS).regex(SLUG, { error: 'expected a slug: lower-case letters and digits in words joined by single hyphens, such as "us-tech"' }),
  name: z.string().max(RECORD_NAME_MAX_CHARS).regex(DISPLAY_TEXT, { error: 'expected visible text with no control characters and no leading or trailing spaces' }),
  version: z.int().min(1).max(RECORD_VERSION_MAX),
  updatedAt: utcTime,
  owner: z.string().regex(TOKEN, { error: 'expected 1–64 characters with no spaces or control characters' }).optional(),
  description: z.string().max(RECORD_DESCRIPTION_MAX_CHARS).regex(PARAGRAPH, { error: 'expected text with no control characters other than new lines' }).optional(),
};

/** Oversold must sit below overbought, or the bands cross. */
const bandsInOrder = crossFieldRule<unknown>((params, report) => {
  const { oversold, overbought } = params;
  if (typeof oversold === 'number' && typeof overbought === 'number' && oversold >= overbought) report(['oversold'], `oversold ${oversold} must be below overbought ${overbought}`);
});

const stdDev = z
  .number()
  .min(0.1)
  .max(10)
  .refine((value) => AT_MOST_TWO_DECIMALS.test(String(value)), { error: (issue) => `${String(issue.input)} has more than two decimal places; use a value such as 2 or 2.5` });

function indicatorParams<S extends z.core.$ZodLooseShape>(type: IndicatorType, shape: S) {
  return closedObject(`${type} params`, shape);
}

/** What each indicator takes. Lengths count bars; bands are 0–100. */
export const INDICATOR_PARAMS_SCHEMAS = {
  SMA: indicatorParams('SMA', { length, source }),
  EMA: indicatorParams('EMA', { length, source }),
  WMA: indicatorParams('WMA', { length, source }),
  RSI: indicatorParams('RSI', { length, source, overbought: bandLevel, oversold: bandLevel }).check(bandsInOrder),
  MACD: indicatorParams('MACD', { fast: length, slow: length, signal: length, source }).check(
    crossFieldRule<unknown>((params, report) => {
      const { fast, slow } = params;
      if (typeof fast === 'number' && typeof slow === 'number' && fast >= slow) report(['fast'], `fast ${fast} must be below slow ${slow}`);
    }),
  ),
  BOLLINGER_BANDS: indicatorParams('BOLLINGER_BANDS', { length, stdDev, source }),
  STOCHASTIC: indicatorParams('STOCHASTIC', { kLength: length, kSmoothing: smoothing, dSmoothing: smoothing, overbought: bandLevel, oversold: bandLevel }).check(bandsInOrder),
  ATR: indicatorParams('ATR', { length, smoothing: oneOf(ATR_SMOOTHINGS, 'an ATR smoothing') }),
  VWAP: indicatorParams('VWAP', { anchor: oneOf(VWAP_ANCHORS, 'a VWAP anchor period'), source }),
  /** Without `maLength`, no moving average of the volume is drawn. */
  VOLUME: indicatorParams('VOLUME', { maLength: length.optional() }),
} as const satisfies Record<IndicatorType, z.ZodType>;
export type IndicatorParams<T extends IndicatorType> = z.output<(typeof INDICATOR_PARAMS_SCHEMAS)[T]>;

/** TradingView's defaults, a starting point for a new selection. */
export const INDICATOR_DEFAULT_PARAMS: Readonly<{ [T in IndicatorType]: Readonly<IndicatorParams<T>> }> = Object.freeze({
  SMA: Object.freeze({ length: 9, source: 'close' }),
  EMA: Object.freeze({ length: 9, source: 'close' }),
  WMA: Object.freeze({ length: 9, source: 'close' }),
  RSI: Object.freeze({ length: 14, source: 'close', overbought: 70, oversold: 30 }),
  MACD: Object.freeze({ fast: 12, slow: 26, signal: 9, source: 'close' }),
  BOLLINGER_BANDS: Object.freeze({ length: 20, stdDev: 2, source: 'close' }),
  STOCHASTIC: Object.freeze({ kLength: 14, kSmoothing: 1, dSmoothing: 3, overbought: 80, oversold: 20 }),
  ATR: Object.freeze({ length: 14, smoothing: 'RMA' }),
  VWAP: Object.freeze({ anchor: 'SESSION', source: 'hlc3' }),
  VOLUME: Object.freeze({ maLength: 20 }),
});

const indicatorStyleSchema = closedObject('an indicator style', {
  color: z.string().regex(COLOUR, { error: 'expected a colour such as "#2962FF" or "#2962FF80"' }).optional(),
  lineWidth: z.int().min(1).max(4).optional(),
  visible: z.boolean().optional(),
});

function indicatorSelection<T extends IndicatorType>(type: T) {
  return closedObject('an indicator selection', { type: z.literal(type), params: INDICATOR_PARAMS_SCHEMAS[type], style: indicatorStyleSchema.optional() });
}

export const indicatorSelectionSchema = z.discriminatedUnion('type', [
  indicatorSelection('SMA'),
  indicatorSelection('EMA'),
  indicatorSelection('WMA'),
  indicatorSelection('RSI'),
  indicatorSelection('MACD'),
  indicatorSelection('BOLLINGER_BANDS'),
  indicatorSelection('STOCHASTIC'),
  indicatorSelection('ATR'),
  indicatorSelection('VWAP'),
  indicatorSelection('VOLUME'),
]);
export type IndicatorSelection = z.output<typeof indicatorSelectionSchema>;

/** The same type with the same params twice draws one line over another; the style does not count. */
function selectionKey(item: unknown): string | undefined {
  if (!isRecord(item) || typeof item.type !== 'string' || !isRecord(item.params)) return undefined;
  const params = item.params;
  return JSON.stringify([item.type, Object.keys(params).sort().map((key) => [key, params[key]])]);
}

export const watchlistRecordSchema = closedObject('a watchlist', {
  kind: z.literal('watchlist'),
  ...recordBaseShape,
  /** In display order. */
  epics: z.array(epic).max(WATCHLIST_EPICS_MAX).check(distinctItems('epics', 'an epic')),
  /** The broker watchlist this one syncs with (`/watchlists/{id}`); absent = local only. */
  brokerWatchlistId: z.string().regex(BROKER_ID, { error: 'expected the broker watchlist id: 1–64 characters, no spaces, slashes or control characters' }).optional(),
});

export const indicatorSetRecordSchema = closedObject('an indicator set', {
  kind: z.literal('indicator-set'),
  ...recordBaseShape,
  indicators: z.array(indicatorSelectionSchema).min(1).max(INDICATORS_PER_SET_MAX).check(distinctItems('indicators', 'the same type with the same params', selectionKey)),
});

const chartPaneSchema = closedObject('a chart pane', {
  epic,
  resolution,
  chartType: oneOf(CHART_TYPES, 'a chart type'),
  /** An indicator-set record's id; checked on import. */
  indicatorSetId: recordBaseShape.id.optional(),
});

export const chartLayoutRecordSchema = closedObject('a chart layout', {
  kind: z.literal('chart-layout'),
  ...recordBaseShape,
  grid: oneOf(GRIDS, 'a grid'),
  panes: z.array(chartPaneSchema).min(1).max(PANES_MAX),
  /** The crosshair moves in every pane at once. */
  syncCrosshair: z.boolean().optional(),
  /** Every pane shows one resolution; changing it in one changes it in all. */
  syncInterval: z.boolean().optional(),
}).check(
  crossFieldRule((layout, report) => {
    const { grid, panes, syncInterval } = layout;
    if (!Array.isArray(panes)) return;
    if (typeof grid === 'string' && Object.hasOwn(GRID_CELLS, grid)) {
      const cells = GRID_CELLS[grid as ChartGrid];
      if (panes.length !== cells) report(['panes'], `grid ${grid} has ${cells} cell${cells === 1 ? '' : 's'}, so it needs ${cells} pane${cells === 1 ? '' : 's'}; got ${panes.length}`);
    }
    if (syncInterval !== true) return;
    const resolutions = panes.map((pane) => (isRecord(pane) && typeof pane.resolution === 'string' && (RESOLUTIONS as readonly string[]).includes(pane.resolution) ? pane.resolution : undefined));
    const firstAt = resolutions.findIndex((value) => value !== undefined);
    resolutions.forEach((value, index) => {
      if (value !== undefined && index > firstAt && value !== resolutions[firstAt]) report(['panes', index, 'resolution'], `syncInterval is on, so every pane shows panes[${firstAt}]'s ${resolutions[firstAt]}, not ${value}; turn syncInterval off to put timeframes side by side`);
    });
  }),
);

export const intervalPresetRecordSchema = closedObject('an interval preset', {
  kind: z.literal('interval-preset'),
  ...recordBaseShape,
  /** In the order offered. */
  resolutions: z.array(resolution).min(1).max(RESOLUTIONS.length).check(distinctItems('resolutions', 'a resolution')),
});

export const chartRecordSchema = z.discriminatedUnion('kind', [watchlistRecordSchema, indicatorSetRecordSchema, chartLayoutRecordSchema, intervalPresetRecordSchema]);
export type ChartRecord = z.output<typeof chartRecordSchema>;
export type WatchlistRecord = z.output<typeof watchlistRecordSchema>;
export type IndicatorSetRecord = z.output<typeof indicatorSetRecordSchema>;
export type ChartLayoutRecord = z.output<typeof chartLayoutRecordSchema>;
export type ChartPane = z.output<typeof chartPaneSchema>;
export type IntervalPresetRecord = z.output<typeof intervalPresetRecordSchema>;

/** Misuse by the caller (an invalid record to export, a duplicate among stored records); data problems are returned, not thrown. */
export class ChartConfigError extends Error {
  override name = 'ChartConfigError';
}

export interface ChartConfigProblem {
  /** Where, such as `panes[2].resolution`; `record` for the record as a whole. */
  path: string;
  reason: string;
}

export type ParseChartRecordResult = { ok: true; record: ChartRecord } | { ok: false; problems: ChartConfigProblem[] };

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  return text === '' ? 'record' : text;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

const EXPECTED_WORDS: Readonly<Record<string, string>> = { int: 'a whole number', number: 'a number', string: 'text', boolean: 'true or false', array: 'a list', object: 'an object' };

/** Reasons for the issues the schemas do not word themselves. */
const reasonFor: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'required';
      const expected = EXPECTED_WORDS[issue.expected] ?? issue.expected;
      return `expected ${expected}, got ${describeValue(issue.input)}`;
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      const got = issue.input;
      if (issue.origin === 'array') return `must hold ${bound} item(s); holds ${Array.isArray(got) ? got.length : '?'}`;
      if (issue.origin === 'string') return `must be ${bound} characters long; is ${typeof got === 'string' ? got.length : '?'}`;
      return `must be ${bound}; got ${String(got)}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}, got ${describeValue(issue.input)}`;
    case 'invalid_union': {
      if (issue.note !== 'No matching discriminator') return undefined;
      const field = String(issue.discriminator);
      const given = isRecord(issue.input) ? issue.input[field] : undefined;
      const options = (issue.options as readonly unknown[]).map(String).join(', ');
      if (!isRecord(issue.input)) return `expected an object with a ${field}, got ${describeValue(issue.input)}`;
      return given === undefined ? `required; one of ${options}` : `${JSON.stringify(given) ?? String(given)} is not a known ${field}; expected one of ${options}`;
    }
    default:
      return undefined;
  }
};

/** Each issue as problems; an unknown-fields issue becomes one problem per field. */
export function problemsOf(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): ChartConfigProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: formatPath([...prefix, ...issue.path, key]), reason: issue.message }));
    return [{ path: formatPath([...prefix, ...issue.path]), reason: issue.message }];
  });
}

/** Validates with the reasons above; `schema` is any chart-config schema. */
export function safeParseChartConfig<T extends z.ZodType>(schema: T, value: unknown): z.ZodSafeParseResult<z.output<T>> {
  return schema.safeParse(value, { error: reasonFor }) as z.ZodSafeParseResult<z.output<T>>;
}

/** One record from JSON (already parsed); every problem, not the first. */
export function parseChartRecord(json: unknown): ParseChartRecordResult {
  const result = safeParseChartConfig(chartRecordSchema, json);
  return result.success ? { ok: true, record: result.data } : { ok: false, problems: problemsOf(result.error) };
}
