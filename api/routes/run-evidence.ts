import { z } from 'zod';
import { TRACE_FILE } from '../../lib/statements/trace';
import { decodeCursor, encodeCursor, queryFingerprint, CursorError } from '../http/cursor';
import { badRequest, notFound } from '../http/errors';
import { cursor, pageLimit, workflowId } from '../http/fields';
import { page } from '../openapi/schemas';
import { exceptionsPage } from '../queries/exceptions-page';
import { describeRun, recordedRun } from '../queries/runs';
import { statementsRecordOfRun } from '../queries/statement-records';
import { defineRoute, type ApiRoute } from '../route';
import { serveStatementFile } from '../statements/serve-file';

const runParams = z.strictObject({ workflowId });
const exceptionsQuery = z.strictObject({ limit: pageLimit(200, 1000), cursor: cursor.optional() });

const exception = z.object({
  _id: z.string(),
  runId: z.string(),
  accountId: z.string(),
  kind: z.string().describe('e.g. UNMATCHED_BROKER, AMOUNT_MISMATCH, ROLL_FORWARD_DIFFERENCE'),
  rule: z.string().describe('the matching rule that decided it'),
  reason: z.string(),
  brokerKeys: z.array(z.string()),
  bookEntryIds: z.array(z.string()),
});

/** What a run leaves for auditors beyond its summary: its exceptions and its proof trace. */
export const runEvidenceRoutes: readonly ApiRoute[] = [
    defineRoute({
      method: 'GET',
      path: '/runs/{workflowId}/exceptions',
      operationId: 'listRunExceptions',
      tag: 'runs',
      summary: "A run's exceptions, each with the rule that decided it (as `recon exceptions`)",
      scope: 'runs:read',
      params: runParams,
      query: exceptionsQuery,
      answers: { 200: { description: 'a page of exceptions', content: { 'application/json': page(exception.loose()) } }, 404: { description: 'no such run' } },
      handle: async ({ params, query, deps }) => {
        // A run still going has recorded nothing yet: an empty list, not a 404.
        if (!(await recordedRun(deps.db, params.workflowId)) && !(await describeRun(deps.temporal, deps.db, params.workflowId))) throw notFound(`no reconciliation run ${params.workflowId}`);
        const fingerprint = queryFingerprint({ list: 'exceptions', runId: params.workflowId });
        let afterId: string | undefined;
        if (query.cursor !== undefined) {
          try {
            const [id] = decodeCursor(query.cursor, fingerprint);
            if (typeof id !== 'string') throw new CursorError('not a cursor this API issued');
            afterId = id;
          } catch (error) {
            if (error instanceof CursorError) throw badRequest(`query.cursor: ${error.message}`, [{ field: 'query.cursor', reason: error.message }]);
            throw error;
          }
        }
        const result = await exceptionsPage(deps.db, params.workflowId, query.limit, afterId);
        return { items: result.rows, nextCursor: result.nextAfterId === undefined ? null : encodeCursor([result.nextAfterId], fingerprint) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/runs/{workflowId}/trace',
      operationId: 'getRunTrace',
      tag: 'runs',
      summary: "A run's proof trace (trace.json): every window's queries, references, retries, session renewals and every file's SHA-256",
      description: 'Served from the statements directory with its recorded SHA-256 in X-Content-SHA256 and the ETag. Dry and partial runs, and runs still going, have none.',
      scope: 'runs:read',
      params: runParams,
      answers: {
        200: { description: 'trace.json', content: { 'application/json': undefined }, headers: { 'X-Content-SHA256': 'SHA-256 of the body, as the audit record holds it' } },
        404: { description: 'no such run, or it has no trace' },
      },
      handle: async ({ params, deps, request, reply }) => {
        const link = await statementsRecordOfRun(deps.db, params.workflowId);
        if (!link) throw notFound(`no proof trace for ${params.workflowId}: no such run, or it rendered no statements (dry, partial or unfinished runs)`);
        return serveStatementFile(request, reply, { statementsDir: deps.statementsDir, workflowId: params.workflowId, file: link.record.trace.file ?? TRACE_FILE, link, disposition: 'inline' });
      },
    }),
];
