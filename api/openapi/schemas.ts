/**
 * Shapes of the answers, for the OpenAPI document. Inputs are described by the very schemas the
 * routes validate with (http/fields.ts and each route); these describe what comes back.
 */
import { z } from 'zod';

export const errorBody = z
  .object({
    error: z.string().describe('stable code: bad_request, unauthorized, forbidden, not_found, conflict, internal_error, …'),
    message: z.string().describe('one sentence; never a stack trace'),
    requestId: z.string().describe('quote it when reporting a problem: it is in the server log'),
    issues: z.array(z.object({ field: z.string(), reason: z.string() })).optional().describe('for 400: every bad field and why'),
  });

const isoTime = z.string().describe('ISO 8601, UTC');

export const runView = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    accountId: z.string().nullable(),
    period: z.string().nullable(),
    status: z.string().nullable().describe('ReconStatus: RUNNING, COMPLETED, COMPLETED_WITH_EXCEPTIONS, FAILED'),
    exceptionCount: z.number().int().nullable(),
    execution: z.string().describe('Temporal execution status: RUNNING, COMPLETED, FAILED, TERMINATED, …'),
    startedAt: isoTime,
    closedAt: isoTime.nullable(),
    recorded: z
      .object({ status: z.string(), timeZone: z.string(), finishedAt: isoTime, dryRun: z.boolean(), statements: z.boolean() })
      .nullable()
      .describe('what the run wrote to MongoDB; null until it finished recording'),
  });

export const runDetail = runView
  .extend({
    progress: z.record(z.string(), z.unknown()).optional().describe('while running: stage, windows done/total, records'),
    summary: z.record(z.string(), z.unknown()).optional().describe('once recorded: counts, digests, roll-forward, statement hashes'),
    links: z.record(z.string(), z.string()),
  });

export const runStarted = z.object({ workflowId: z.string(), runId: z.string(), links: z.record(z.string(), z.string()) });

export const statementFile = z
  .object({
    file: z.string(),
    sha256: z.string().describe('as recorded in the audit chain; what recon verify checks'),
    bytes: z.number().int(),
    contentType: z.string(),
    href: z.string(),
  });

export const statementsEntry = z
  .object({
    workflowId: z.string(),
    accountId: z.string(),
    period: z.string(),
    auditLink: z.object({ seq: z.number().int(), hash: z.string(), prevHash: z.string() }),
    codeVersion: z.string(),
    files: z.array(statementFile),
    trace: statementFile,
    auditRecord: z.object({ file: z.string(), href: z.string() }),
  });

export const transaction = z
  .object({
    id: z.string(),
    accountId: z.string(),
    reference: z.string(),
    transactionType: z.string(),
    leg: z.number().int(),
    status: z.string().nullable(),
    bookedAt: isoTime,
    amount: z.string().describe('exact decimal text, e.g. -80.43'),
    amountMinor: z.string().describe('integer minor units at `scale`, as text'),
    scale: z.number().int(),
    currency: z.string(),
    baseCurrency: z.string(),
    note: z.string(),
    epic: z.string().nullable(),
    instrumentId: z.string().nullable(),
    dealId: z.string().nullable(),
    known: z.boolean(),
    rawSha256: z.string(),
  });

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('pass as cursor for the next page; null on the last') });
