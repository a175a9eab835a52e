import { z } from 'zod';
import { AUDIT_RECORD_FILE } from '../../lib/statements/render';
import { contentTypeOf } from '../http/content-types';
import { notFound } from '../http/errors';
import { accountId, pageLimit, period, workflowId } from '../http/fields';
import { statementsEntry } from '../openapi/schemas';
import { listStatementsRecords, statementsRecordOfRun, type StatementsLink } from '../queries/statement-records';
import { defineRoute, type RouteModule } from '../route';
import { STATEMENT_FILE_NAME } from '../statements/safe-path';
import { serveStatementFile } from '../statements/serve-file';
import { statementFileHref } from './links';

const listQuery = z.strictObject({ accountId, period: period.optional(), limit: pageLimit(24, 120) });
const fileParams = z.strictObject({
  workflowId,
  file: z.string().max(200).regex(STATEMENT_FILE_NAME, 'a file name from the statements list (no paths)').describe('a file name as the statements list gives it'),
});

const FILE_TYPES = ['text/csv; charset=utf-8', 'application/json', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/pdf', 'text/plain; charset=utf-8'];

function describeStatements(link: StatementsLink) {
  const { record } = link;
  const fileOf = (a: { file: string; sha256: string; bytes: number }) => ({ file: a.file, sha256: a.sha256, bytes: a.bytes, contentType: contentTypeOf(a.file) ?? 'application/octet-stream', href: statementFileHref(record.runId, a.file) });
  return {
    workflowId: record.runId,
    accountId: link.accountId,
    period: record.period,
    auditLink: { seq: link.seq, hash: link.hash, prevHash: link.prevHash },
    codeVersion: record.codeVersion,
    files: record.artifacts.map(fileOf),
    trace: fileOf(record.trace),
    auditRecord: { file: AUDIT_RECORD_FILE, href: statementFileHref(record.runId, AUDIT_RECORD_FILE) },
  };
}

export const statementRoutes: RouteModule = {
  tag: 'statements',
  description: "Runs' statements (CSV, JSON, XLSX, PDF, hledger journal), as their hash-chained audit records name them.",
  routes: [
    defineRoute({
      method: 'GET',
      path: '/statements',
      operationId: 'listStatements',
      tag: 'statements',
      summary: "An account's statements, newest first, with every file's SHA-256",
      scope: 'statements:read',
      query: listQuery,
      answers: { 200: { description: 'the statements', content: { 'application/json': z.object({ items: z.array(statementsEntry) }) } } },
      handle: async ({ query, deps }) => ({ items: (await listStatementsRecords(deps.db, query, query.limit)).map(describeStatements) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/statements/{workflowId}/{file}',
      operationId: 'downloadStatementFile',
      tag: 'statements',
      summary: 'Download one statement file',
      description:
        'Streams the file with its Content-Type, `Content-Disposition: attachment`, and the SHA-256 its audit record holds (what `recon verify` checks) in X-Content-SHA256 and the ETag. If the file on disk no longer matches, the transfer is cut short rather than completed. `audit-record.json` is served too, so the downloaded directory can be checked with `recon verify <dir>`.',
      scope: 'statements:read',
      params: fileParams,
      answers: {
        200: { description: 'the file', content: Object.fromEntries(FILE_TYPES.map((type) => [type, undefined])), headers: { 'X-Content-SHA256': 'SHA-256 of the body, as the audit record holds it', ETag: 'the same SHA-256, quoted', 'Content-Disposition': 'attachment; filename="…"' } },
        304: { description: 'If-None-Match named the current ETag' },
        404: { description: 'no such run, no statements, or no such file among them' },
        409: { description: 'the file on the server no longer matches its audit record (run recon verify)' },
      },
      handle: async ({ params, deps, request, reply }) => {
        const link = await statementsRecordOfRun(deps.db, params.workflowId);
        if (!link) throw notFound(`no statements for ${params.workflowId}: no such run, or it rendered none (dry, partial or unfinished runs)`);
        return serveStatementFile(request, reply, { statementsDir: deps.statementsDir, workflowId: params.workflowId, file: params.file, link, disposition: 'attachment' });
      },
    }),
  ],
};
