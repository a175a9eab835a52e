/**
 * Chart configuration documents: export (deterministic), import (a plan: new, update, unchanged
 * or conflict per record, never an overwrite) and the published JSON Schema.
 *
 * Import applies whole or not at all: callers write `outcomes` only when `ok`. A record whose
 * version is not above the stored one and whose content differs is a conflict, left for a person
 * to merge; nothing here decides which side wins.
 */
import { z } from 'zod';
import {
  type ChartConfigProblem,
  ChartConfigError,
  type ChartRecord,
  type ChartRecordKind,
  chartRecordSchema,
  closedObject,
  formatPath,
  problemsOf,
  safeParseChartConfig,
  utcTime,
} from './chart-config-schemas';

export const CHART_CONFIG_FORMAT = 'capital-recon/chart-config';
export const CHART_CONFIG_FORMAT_VERSION = 1;
export const CHART_RECORDS_PER_DOCUMENT_MAX = 1_000;
/** JSON text longer than this is refused before parsing: 1,000 full records are well under it. */
export const CHART_CONFIG_TEXT_MAX_CHARS = 8_000_000;

const envelopeShape = {
  format: z.literal(CHART_CONFIG_FORMAT),
  formatVersion: z.literal(CHART_CONFIG_FORMAT_VERSION),
  exportedAt: utcTime,
};

export const chartConfigDocumentSchema = closedObject('a chart-config document', { ...envelopeShape, records: z.array(chartRecordSchema).max(CHART_RECORDS_PER_DOCUMENT_MAX) }).meta({
  title: 'capital-recon chart configuration',
  description: 'Watchlists, indicator sets, chart layouts and interval presets; see lib/market/CHART-CONFIG.md. Rules between fields and between records are checked on import, not by this schema.',
});
export type ChartConfigDocument = z.output<typeof chartConfigDocumentSchema>;

/** The document with its records unread, so each record's problems carry its index. */
const envelopeSchema = closedObject('a chart-config document', { ...envelopeShape, records: z.array(z.unknown()).max(CHART_RECORDS_PER_DOCUMENT_MAX) });

/** Dependencies first: indicator sets before the layouts that name them. */
const KIND_ORDER: Readonly<Record<ChartRecordKind, number>> = Object.freeze({ watchlist: 0, 'interval-preset': 1, 'indicator-set': 2, 'chart-layout': 3 });

function recordKey(kind: string, id: string): string {
  return `${kind}:${id}`;
}

function compareRecords(a: ChartRecord, b: ChartRecord): number {
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** JSON with object keys sorted, so equal content is equal text whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The records as one document, sorted by kind (watchlist, interval-preset, indicator-set,
 * chart-layout) then id, each record's fields in schema order: the same records give the same
 * text. Throws `ChartConfigError` on an invalid or repeated record: an export must import.
 */
export function exportChartRecords(records: readonly ChartRecord[], exportedAtMs: number): ChartConfigDocument {
  if (!Number.isSafeInteger(exportedAtMs) || exportedAtMs < 0) throw new ChartConfigError(`exportedAtMs must be UTC epoch milliseconds, got ${exportedAtMs}`);
  if (records.length > CHART_RECORDS_PER_DOCUMENT_MAX) throw new ChartConfigError(`${records.length} records are more than a document holds (${CHART_RECORDS_PER_DOCUMENT_MAX})`);
  const seen = new Set<string>();
  const parsed = records.map((record, index) => {
    const result = safeParseChartConfig(chartRecordSchema, record);
    if (!result.success) throw new ChartConfigError(`records[${index}] is invalid: ${problemsOf(result.error).map((p) => `${p.path}: ${p.reason}`).join('; ')}`);
    const key = recordKey(result.data.kind, result.data.id);
    if (seen.has(key)) throw new ChartConfigError(`records[${index}] repeats ${result.data.kind} '${result.data.id}'; a document holds each record once`);
    seen.add(key);
    return result.data;
  });
  parsed.sort(compareRecords);
  return { format: CHART_CONFIG_FORMAT, formatVersion: CHART_CONFIG_FORMAT_VERSION, exportedAt: new Date(exportedAtMs).toISOString(), records: parsed };
}

export type ChartImportStatus = 'new' | 'update' | 'unchanged' | 'conflict';

export interface ChartImportProblem extends ChartConfigProblem {
  /** The record's index in `records`; null for the document itself. */
  index: number | null;
}

export interface ChartImportOutcome {
  index: number;
  kind: ChartRecordKind;
  id: string;
  status: ChartImportStatus;
  /** Why, in words: which versions, and what to do about a conflict. */
  reason: string;
  record: ChartRecord;
  existingVersion?: number;
}

export interface ChartImportResult {
  /** No problems and no conflicts: every outcome may be written. */
  ok: boolean;
  problems: ChartImportProblem[];
  /** One per record without problems, in document order. */
  outcomes: ChartImportOutcome[];
}

function statusAgainst(record: ChartRecord, existing: ChartRecord | undefined): Pick<ChartImportOutcome, 'status' | 'reason' | 'existingVersion'> {
  if (existing === undefined) return { status: 'new', reason: `no stored ${record.kind} '${record.id}'` };
  const existingVersion = existing.version;
  if (record.version > existingVersion) return { status: 'update', reason: `version ${record.version} replaces the stored version ${existingVersion}`, existingVersion };
  const { version: _v1, updatedAt: _u1, ...content } = record;
  const { version: _v2, updatedAt: _u2, ...storedContent } = existing;
  if (canonicalJson(content) === canonicalJson(storedContent)) return { status: 'unchanged', reason: `the same content as the stored version ${existingVersion}`, existingVersion };
  return {
    status: 'conflict',
    reason: `version ${record.version} is not above the stored version ${existingVersion} and the content differs; merge the two by hand and save the result as version ${existingVersion + 1}`,
    existingVersion,
  };
}

function documentFailure(problems: ChartConfigProblem[]): ChartImportResult {
  return { ok: false, problems: problems.map((problem) => ({ index: null, ...problem })), outcomes: [] };
}

function readDocument(json: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (typeof json !== 'string') return { ok: true, value: json };
  if (json.length > CHART_CONFIG_TEXT_MAX_CHARS) return { ok: false, reason: `the text is ${json.length} characters, more than ${CHART_CONFIG_TEXT_MAX_CHARS}` };
  try {
    return { ok: true, value: JSON.parse(json) as unknown };
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
}

/** Stored records by kind and id; two with one key mean the store is broken, so that throws. */
function indexExisting(existing: readonly ChartRecord[]): Map<string, ChartRecord> {
  const byKey = new Map<string, ChartRecord>();
  for (const record of existing) {
    const key = recordKey(record.kind, record.id);
    if (byKey.has(key)) throw new ChartConfigError(`the stored records hold ${record.kind} '${record.id}' twice`);
    byKey.set(key, record);
  }
  return byKey;
}

/** What a record claims to be, even when it is invalid, so references to it can say so. */
function claimedKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, id } = value as Record<string, unknown>;
  return typeof kind === 'string' && typeof id === 'string' ? recordKey(kind, id) : undefined;
}

/**
 * A document (JSON text or already parsed) checked against itself and the stored records: every
 * record validated, each problem with its record's index; pane `indicatorSetId`s resolved in the
 * document or `existing`; one local watchlist per broker watchlist. Writes nothing.
 */
export function importChartRecords(json: unknown, existing: readonly ChartRecord[] = []): ChartImportResult {
  const read = readDocument(json);
  if (!read.ok) return documentFailure([{ path: 'document', reason: read.reason }]);
  const envelope = safeParseChartConfig(envelopeSchema, read.value);
  // A wrong format or version means the records cannot be read as ours: their problems would be noise.
  if (!envelope.success) return documentFailure(problemsOf(envelope.error).map((problem) => ({ ...problem, path: problem.path === 'record' ? 'document' : problem.path })));
  const stored = indexExisting(existing);
  const problems: ChartImportProblem[] = [];
  const report = (index: number, path: ReadonlyArray<PropertyKey>, reason: string): void => {
    problems.push({ index, path: formatPath(path), reason });
  };

  const valid = new Map<number, ChartRecord>();
  const invalidAt = new Map<string, number>();
  const documentAt = new Map<string, number>();
  envelope.data.records.forEach((raw, index) => {
    const result = safeParseChartConfig(chartRecordSchema, raw);
    if (!result.success) {
      for (const problem of problemsOf(result.error)) problems.push({ index, ...problem });
      const key = claimedKey(raw);
      if (key !== undefined && !invalidAt.has(key)) invalidAt.set(key, index);
      return;
    }
    const record = result.data;
    const key = recordKey(record.kind, record.id);
    const first = documentAt.get(key);
    if (first !== undefined) {
      report(index, ['id'], `records[${first}] is already ${record.kind} '${record.id}'; a document holds each record once`);
      return;
    }
    documentAt.set(key, index);
    valid.set(index, record);
  });

  const after = new Map(stored);
  for (const record of valid.values()) after.set(recordKey(record.kind, record.id), record);
  for (const [index, record] of valid) {
    if (record.kind === 'chart-layout') {
      record.panes.forEach((pane, paneIndex) => {
        if (pane.indicatorSetId === undefined) return;
        const key = recordKey('indicator-set', pane.indicatorSetId);
        if (after.has(key)) return;
        const invalid = invalidAt.get(key);
        const reason = invalid === undefined ? `no indicator set '${pane.indicatorSetId}' in this document or the stored records` : `indicator set '${pane.indicatorSetId}' is records[${invalid}], which has problems of its own`;
        report(index, ['panes', paneIndex, 'indicatorSetId'], reason);
      });
    }
    if (record.kind === 'watchlist' && record.brokerWatchlistId !== undefined) {
      for (const other of after.values()) {
        if (other.kind === 'watchlist' && other.id !== record.id && other.brokerWatchlistId === record.brokerWatchlistId) {
          report(index, ['brokerWatchlistId'], `broker watchlist ${record.brokerWatchlistId} already syncs with watchlist '${other.id}'; one local watchlist per broker watchlist`);
        }
      }
    }
  }

  const failed = new Set(problems.map((problem) => problem.index));
  const outcomes: ChartImportOutcome[] = [];
  for (const [index, record] of valid) {
    if (failed.has(index)) continue;
    outcomes.push({ index, kind: record.kind, id: record.id, ...statusAgainst(record, stored.get(recordKey(record.kind, record.id))), record });
  }
  problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
  return { ok: problems.length === 0 && outcomes.every((outcome) => outcome.status !== 'conflict'), problems, outcomes };
}

/**
 * The published JSON Schema (draft 2020-12) of a document, generated from the zod schemas. It
 * holds the shape, the closed field lists and the bounds; rules between fields (MACD fast < slow,
 * panes = grid cells, no duplicates) and between records are only checked by `importChartRecords`.
 */
export function chartConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(chartConfigDocumentSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
