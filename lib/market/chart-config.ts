/**
 * The door to chart configuration records: watchlists, indicator sets, chart layouts and interval
 * presets an analyst keeps, validated (`chart-config-schemas.ts`), exported, imported and
 * published as a JSON Schema (`chart-config-io.ts`), and the three-way watchlist diff with the
 * broker's `/watchlists` (`watchlist-diff.ts`). Rules: [CHART-CONFIG.md](CHART-CONFIG.md).
 */

export {
  ATR_SMOOTHINGS,
  BROKER_WATCHLIST_NAME_MAX_CHARS,
  CHART_RECORD_KINDS,
  CHART_TYPES,
  ChartConfigError,
  type ChartConfigProblem,
  type ChartGrid,
  type ChartLayoutRecord,
  type ChartPane,
  type ChartRecord,
  type ChartRecordKind,
  chartRecordSchema,
  GRID_CELLS,
  INDICATOR_DEFAULT_PARAMS,
  INDICATOR_LENGTH_MAX,
  INDICATOR_PARAMS_SCHEMAS,
  INDICATOR_TYPES,
  INDICATORS_PER_SET_MAX,
  type IndicatorParams,
  type IndicatorSelection,
  type IndicatorSetRecord,
  type IndicatorType,
  type IntervalPresetRecord,
  type ParseChartRecordResult,
  parseChartRecord,
  PRICE_SOURCES,
  RECORD_VERSION_MAX,
  VWAP_ANCHORS,
  WATCHLIST_EPICS_MAX,
  type WatchlistRecord,
} from './chart-config-schemas';
export {
  CHART_CONFIG_FORMAT,
  CHART_CONFIG_FORMAT_VERSION,
  CHART_RECORDS_PER_DOCUMENT_MAX,
  type ChartConfigDocument,
  chartConfigDocumentSchema,
  chartConfigJsonSchema,
  type ChartImportOutcome,
  type ChartImportProblem,
  type ChartImportResult,
  type ChartImportStatus,
  exportChartRecords,
  importChartRecords,
} from './chart-config-io';
export { diffWatchlist, type WatchlistDiff, WATCHLIST_SYNC_EPICS_MAX } from './watchlist-diff';
