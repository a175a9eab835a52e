import { type Client, WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import {
  CHART_CONFIG_FORMAT,
  CHART_CONFIG_FORMAT_VERSION,
  CHART_RECORD_KINDS,
  chartConfigJsonSchema,
  exportChartRecords,
  importChartRecords,
  RECORD_VERSION_MAX,
  type ChartImportProblem,
} from '../../lib/market/chart-config';
import { PUBLISH_PER_SYNC_MAX, WATCHLIST_SYNC_WORKFLOW, watchlistSyncWorkflowId, type WatchlistSyncReport } from '../../lib/market/watchlist-sync';
import {
  chartRecordHistory,
  ChartVersionConflictError,
  deleteChartRecord,
  findChartRecord,
  HISTORY_LIMIT_MAX,
  importChartDocument,
  listChartRecords,
  saveChartRecord,
  type ChartImportApplied,
  type StoredChartRecord,
} from '../../lib/store/chart-configs';
import type { WatchlistSyncWorkflowInput } from '../../workflows/watchlist-sync';
import { ApiError, notFound, type FieldIssue } from '../http/errors';
import { accountId, pageLimit } from '../http/fields';
import { defineRoute, type RouteModule } from '../route';

const kind = z.enum(CHART_RECORD_KINDS).describe('watchlist, indicator-set, chart-layout or interval-preset');
const recordId = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a record id: lower-case words joined by single hyphens, such as us-tech')
  .describe("the record's id");
const recordParams = z.strictObject({ kind, id: recordId });
const expectedVersion = z.coerce
  .number({ error: `a whole number from 0 to ${RECORD_VERSION_MAX}` })
  .int()
  .min(0)
  .max(RECORD_VERSION_MAX)
  .optional();

const recordView = z.object({
  kind: z.enum(CHART_RECORD_KINDS),
  id: z.string(),
  version: z.number(),
  savedAt: z.string(),
  source: z.string().describe('what wrote this version: api, import or sync'),
  record: z.record(z.string(), z.unknown()).describe('the record (lib/market/CHART-CONFIG.md; GET /charts/schema)'),
});

function view(stored: StoredChartRecord): z.infer<typeof recordView> {
  return { kind: stored.kind, id: stored.id, version: stored.version, savedAt: new Date(stored.savedAtMs).toISOString(), source: stored.source, record: { ...stored.record } };
}

/** 422: every problem as a field and a reason, in the terms of what was sent. */
function unprocessable(message: string, problems: readonly ChartImportProblem[], fieldOf: (problem: ChartImportProblem) => string, extra?: Record<string, unknown>): ApiError {
  const issues: FieldIssue[] = problems.map((problem) => ({ field: fieldOf(problem), reason: problem.reason }));
  return new ApiError(422, 'invalid_chart_config', `${message}: ${issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; ')}`, issues, undefined, extra);
}

function versionConflict(error: ChartVersionConflictError): ApiError {
  return new ApiError(409, 'version_conflict', error.message, undefined, undefined, { storedVersion: error.storedVersion, deleted: error.deleted });
}

/** Problems of one record checked as a one-record document, so references are checked against the store too. */
function recordField(problem: ChartImportProblem): string {
  return problem.index === null ? 'body' : problem.path === 'record' ? 'body' : `body.${problem.path}`;
}

function documentField(problem: ChartImportProblem): string {
  if (problem.index === null) return problem.path === 'document' ? 'body' : `body.${problem.path}`;
  return problem.path === 'record' ? `records[${problem.index}]` : `records[${problem.index}].${problem.path}`;
}

const importOutcome = z.object({ index: z.number(), kind: z.string(), id: z.string(), status: z.enum(['new', 'update', 'unchanged', 'conflict']), reason: z.string(), existingVersion: z.number().optional(), written: z.boolean() });
const importProblem = z.object({ index: z.number().nullable(), path: z.string(), reason: z.string() });
const importAnswer = z.object({ ok: z.boolean(), dryRun: z.boolean(), written: z.number(), outcomes: z.array(importOutcome), problems: z.array(importProblem), failed: z.array(z.object({ index: z.number(), kind: z.string(), id: z.string(), reason: z.string() })) });

function importView(result: ChartImportApplied): z.infer<typeof importAnswer> {
  const failed = new Set(result.failed.map((failure) => failure.index));
  const applied = result.ok && !result.dryRun;
  return {
    ok: result.ok && result.failed.length === 0,
    dryRun: result.dryRun,
    written: result.written,
    outcomes: result.outcomes.map((outcome) => ({
      index: outcome.index,
      kind: outcome.kind,
      id: outcome.id,
      status: outcome.status,
      reason: outcome.reason,
      ...(outcome.existingVersion !== undefined ? { existingVersion: outcome.existingVersion } : {}),
      written: applied && (outcome.status === 'new' || outcome.status === 'update') && !failed.has(outcome.index),
    })),
    problems: result.problems,
    failed: result.failed,
  };
}

const syncBody = z.strictObject({
  accountId,
  publish: z.array(recordId).max(PUBLISH_PER_SYNC_MAX).optional().describe('local-only watchlist ids to create on the broker (or adopt a broker watchlist of the same name)'),
});

const syncItem = z.object({
  outcome: z.string(),
  brokerWatchlistId: z.string().optional(),
  recordId: z.string().optional(),
  reason: z.string(),
  addedOnBroker: z.array(z.string()),
  removedOnBroker: z.array(z.string()),
  addedLocally: z.array(z.string()),
  removedLocally: z.array(z.string()),
  recordVersion: z.number().optional(),
  conflicts: z.array(z.string()),
});
const syncReport = z.object({ accountId: z.string(), syncId: z.string(), brokerWatchlists: z.number(), localWatchlists: z.number(), changed: z.number(), inStep: z.number(), conflicts: z.number(), items: z.array(syncItem) });

/** How long a sync request waits for the worker before answering 504 (the sync goes on). */
export const WATCHLIST_SYNC_WAIT_MS = 120_000;
/** A sync nobody picks up (no worker on the task queue) ends after this. */
const WATCHLIST_SYNC_TIMEOUT = '10 minutes';

export class WatchlistSyncStillRunningError extends Error {
  override name = 'WatchlistSyncStillRunningError';
  constructor(
    readonly workflowId: string,
    waitedMs: number,
  ) {
    super(`the watchlist sync ${workflowId} is still running after ${Math.round(waitedMs / 1000)} s: is a worker polling the task queue? Its result will be in the Temporal UI under that workflow id`);
  }
}

/**
 * Starts `syncWatchlists` for an account and waits for its report (at most `waitMs`). The id is
 * `watchlist-sync:{accountId}:{requestedAtMs}`: one per request; a repeated start of the same
 * request joins the run already going. The CLI's `recon charts sync` uses it too.
 */
export async function runWatchlistSync(temporal: Client, taskQueue: string, input: WatchlistSyncWorkflowInput, options: { requestedAtMs: number; waitMs?: number }): Promise<WatchlistSyncReport> {
  const workflowId = watchlistSyncWorkflowId(input.accountId, options.requestedAtMs);
  const handle = await temporal.workflow.start(WATCHLIST_SYNC_WORKFLOW, {
    taskQueue,
    workflowId,
    args: [input],
    workflowExecutionTimeout: WATCHLIST_SYNC_TIMEOUT,
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const waitMs = options.waitMs ?? WATCHLIST_SYNC_WAIT_MS;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new WatchlistSyncStillRunningError(workflowId, waitMs)), waitMs);
  });
  try {
    return (await Promise.race([handle.result(), waited])) as WatchlistSyncReport;
  } finally {
    clearTimeout(timer);
  }
}

/** The innermost failure message Temporal recorded for a failed sync. */
export function syncFailureMessage(error: WorkflowFailedError): string {
  let cause: Error | undefined = error.cause;
  for (let depth = 0; depth < 8 && cause?.cause instanceof Error; depth++) cause = cause.cause;
  return cause?.message ?? error.message;
}

export const chartRoutes: RouteModule = {
  tag: 'charts',
  description: "Analysts' chart configuration records (watchlists, indicator sets, chart layouts, interval presets), versioned, with JSON import and export against a published schema, and the two-way watchlist sync with the broker (docs/charts.md).",
  routes: [
    defineRoute({
      method: 'GET',
      path: '/charts',
      operationId: 'listChartRecords',
      tag: 'charts',
      summary: 'The current chart configuration records, by kind then id',
      scope: 'market:read',
      query: z.strictObject({ kind: kind.optional() }),
      answers: { 200: { description: 'the records', content: { 'application/json': z.object({ items: z.array(recordView) }) } } },
      handle: async ({ query, deps }) => ({ items: (await listChartRecords(deps.db, query.kind ? { kind: query.kind } : {})).map(view) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/charts/schema',
      operationId: 'getChartConfigSchema',
      tag: 'charts',
      summary: 'The JSON Schema (draft 2020-12) of an import/export document',
      description: 'Shapes, closed field lists and bounds; rules between fields and between records are checked on import.',
      scope: 'market:read',
      answers: { 200: { description: 'the JSON Schema', content: { 'application/schema+json': undefined } } },
      handle: async ({ reply }) => {
        void reply.type('application/schema+json; charset=utf-8');
        return chartConfigJsonSchema();
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/charts/export',
      operationId: 'exportChartRecords',
      tag: 'charts',
      summary: 'Every current record as one importable document',
      scope: 'market:read',
      query: z.strictObject({ kind: kind.optional() }),
      answers: { 200: { description: `a ${CHART_CONFIG_FORMAT} document, version ${CHART_CONFIG_FORMAT_VERSION}`, content: { 'application/json': undefined } } },
      handle: async ({ query, deps }) => {
        const records = await listChartRecords(deps.db, query.kind ? { kind: query.kind } : {});
        return exportChartRecords(
          records.map((stored) => stored.record),
          Date.now(),
        );
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/charts/import',
      operationId: 'importChartRecords',
      tag: 'charts',
      summary: 'Import a document: every record new, updated, unchanged or in conflict; all or nothing',
      description: `The body is a ${CHART_CONFIG_FORMAT} document (GET /charts/schema), at most 64 KiB here (use \`recon charts import\` for bigger files). Nothing is written when any record is invalid (422, each field and reason) or in conflict (409, each outcome).`,
      scope: 'market:write',
      query: z.strictObject({ dryRun: z.enum(['true', 'false']).default('false').transform((value) => value === 'true').describe('check and report only (default false)') }),
      body: z.unknown().describe(`a ${CHART_CONFIG_FORMAT} document`),
      answers: {
        200: { description: 'imported (or checked, with dryRun): one outcome per record', content: { 'application/json': importAnswer } },
        409: { description: 'records in conflict with the stored versions; nothing written' },
        422: { description: 'invalid records: `issues` names each field (records[i].path) and why; nothing written' },
      },
      handle: async ({ query, body, deps }) => {
        const result = await importChartDocument(deps.db, body, { dryRun: query.dryRun, nowMs: Date.now(), source: 'import' });
        const answer = importView(result);
        if (result.problems.length > 0) throw unprocessable(`${result.problems.length} problem(s) in the document; nothing was written`, result.problems, documentField, { outcomes: answer.outcomes, problems: answer.problems });
        const conflicts = result.outcomes.filter((outcome) => outcome.status === 'conflict');
        if (conflicts.length > 0) {
          throw new ApiError(409, 'conflict', `${conflicts.length} record(s) in conflict with the stored versions; nothing was written: ${conflicts.map((c) => `records[${c.index}] ${c.kind} '${c.id}': ${c.reason}`).join('; ')}`, undefined, undefined, { outcomes: answer.outcomes });
        }
        return answer;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/charts/watchlists/sync',
      operationId: 'syncWatchlists',
      tag: 'charts',
      summary: "Sync the watchlists both ways with an account's broker watchlists, and report",
      description: 'Runs the syncWatchlists workflow on the worker (id watchlist-sync:{accountId}:{ms}) and waits for its report: what changed on each side and what needs a person.',
      scope: 'market:write',
      body: syncBody,
      answers: {
        200: { description: 'the sync report', content: { 'application/json': syncReport } },
        502: { description: 'the sync failed (the broker refused the credentials, say); the message says why' },
        504: { description: 'no report in time: the sync goes on; is a worker running?' },
      },
      handle: async ({ body, deps }) => {
        try {
          return await runWatchlistSync(deps.temporal, deps.taskQueue, { accountId: body.accountId, ...(body.publish ? { publish: body.publish } : {}) }, { requestedAtMs: Date.now() });
        } catch (error) {
          if (error instanceof WorkflowFailedError) throw new ApiError(502, 'sync_failed', `the watchlist sync of account ${body.accountId} failed: ${syncFailureMessage(error)}`);
          if (error instanceof WatchlistSyncStillRunningError) throw new ApiError(504, 'sync_still_running', error.message, undefined, undefined, { workflowId: error.workflowId });
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/charts/{kind}/{id}',
      operationId: 'getChartRecord',
      tag: 'charts',
      summary: 'One current record with its version',
      scope: 'market:read',
      params: recordParams,
      answers: { 200: { description: 'the record', content: { 'application/json': recordView } }, 404: { description: 'no such record (or it was deleted)' } },
      handle: async ({ params, deps }) => {
        const stored = await findChartRecord(deps.db, params.kind, params.id);
        if (!stored) throw notFound(`no ${params.kind} '${params.id}'`);
        return view(stored);
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/charts/{kind}/{id}',
      operationId: 'putChartRecord',
      tag: 'charts',
      summary: 'Create or update a record, naming the version it replaces',
      description:
        "The body is the whole record with its new `version`. `expectedVersion` is the stored version it replaces (default: the body's version - 1; 0 = create). Another write first gives 409; an invalid record 422 naming each field. Sending the current record again is 200 `unchanged`.",
      scope: 'market:write',
      params: recordParams,
      query: z.strictObject({ expectedVersion: expectedVersion.describe("the stored version this write replaces (default: the body's version - 1)") }),
      body: z.unknown().describe('the record (GET /charts/schema, $defs)'),
      answers: {
        200: { description: 'updated, or unchanged', content: { 'application/json': recordView.extend({ status: z.enum(['updated', 'unchanged']) }) } },
        201: { description: 'created', content: { 'application/json': recordView.extend({ status: z.literal('created') }) } },
        409: { description: 'the stored version is not `expectedVersion`: read it again, apply the change, save as its version + 1' },
        422: { description: 'invalid record: `issues` names each field (body.path) and why' },
      },
      handle: async ({ params, query, body, reply, deps }) => {
        const mismatches: ChartImportProblem[] = [];
        const sent = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
        if (sent.kind !== undefined && sent.kind !== params.kind) mismatches.push({ index: 0, path: 'kind', reason: `the path says ${params.kind}, the body ${JSON.stringify(sent.kind)}` });
        if (sent.id !== undefined && sent.id !== params.id) mismatches.push({ index: 0, path: 'id', reason: `the path says '${params.id}', the body ${JSON.stringify(sent.id)}` });
        if (mismatches.length > 0) throw unprocessable('the record does not match its path', mismatches, recordField);
        const existing = (await listChartRecords(deps.db)).map((stored) => stored.record);
        const checked = importChartRecords({ format: CHART_CONFIG_FORMAT, formatVersion: CHART_CONFIG_FORMAT_VERSION, exportedAt: new Date().toISOString(), records: [body] }, existing);
        const outcome = checked.outcomes[0];
        if (checked.problems.length > 0 || !outcome) throw unprocessable(`invalid ${params.kind}`, checked.problems, recordField);
        const expected = query.expectedVersion ?? outcome.record.version - 1;
        try {
          const saved = await saveChartRecord(deps.db, outcome.record, { expectedVersion: expected, nowMs: Date.now(), source: 'api' });
          if (saved.status === 'created') void reply.code(201);
          return { status: saved.status, ...view(saved.stored) };
        } catch (error) {
          if (error instanceof ChartVersionConflictError) throw versionConflict(error);
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/charts/{kind}/{id}',
      operationId: 'deleteChartRecord',
      tag: 'charts',
      summary: 'Delete a record; its history stays',
      description: 'The deletion becomes a version of its own (one above the last); to bring the record back, PUT it with a version above that.',
      scope: 'market:write',
      params: recordParams,
      query: z.strictObject({ expectedVersion: expectedVersion.describe('refuse (409) unless this is the stored version') }),
      answers: { 200: { description: 'deleted', content: { 'application/json': z.object({ kind: z.string(), id: z.string(), deleted: z.literal(true), version: z.number() }) } }, 404: { description: 'no such record' }, 409: { description: 'the stored version is not `expectedVersion`' } },
      handle: async ({ params, query, deps }) => {
        try {
          const deleted = await deleteChartRecord(deps.db, params.kind, params.id, { ...(query.expectedVersion !== undefined ? { expectedVersion: query.expectedVersion } : {}), nowMs: Date.now(), source: 'api' });
          if (!deleted) throw notFound(`no ${params.kind} '${params.id}'`);
          return { kind: params.kind, id: params.id, deleted: true as const, version: deleted.version };
        } catch (error) {
          if (error instanceof ChartVersionConflictError) throw versionConflict(error);
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/charts/{kind}/{id}/history',
      operationId: 'getChartRecordHistory',
      tag: 'charts',
      summary: 'Every stored version of a record and its deletions, oldest first',
      scope: 'market:read',
      params: recordParams,
      query: z.strictObject({ limit: pageLimit(100, HISTORY_LIMIT_MAX).describe(`the newest versions to return, 1-${HISTORY_LIMIT_MAX} (default 100)`) }),
      answers: {
        200: { description: 'the versions', content: { 'application/json': z.object({ items: z.array(z.object({ version: z.number(), savedAt: z.string(), source: z.string(), deleted: z.boolean(), record: z.record(z.string(), z.unknown()).optional() })) }) } },
        404: { description: 'nothing was ever stored under that kind and id' },
      },
      handle: async ({ params, query, deps }) => {
        const versions = await chartRecordHistory(deps.db, params.kind, params.id, query.limit);
        if (versions.length === 0) throw notFound(`no ${params.kind} '${params.id}' was ever stored`);
        return { items: versions.map((v) => ({ version: v.version, savedAt: new Date(v.savedAtMs).toISOString(), source: v.source, deleted: v.deleted, ...(v.record ? { record: { ...v.record } } : {}) })) };
      },
    }),
  ],
};
