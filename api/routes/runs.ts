import { z } from 'zod';
import { RunAlreadyStartedError, startReconciliation, TooManyRerunsError } from '../../lib/temporal/runs';
import { conflict, notFound } from '../http/errors';
import { accountId, pageLimit, period, reconStatus, timeZone, transactionTypes, windowHours, workflowId } from '../http/fields';
import { runDetail, runStarted, runView } from '../openapi/schemas';
import { describeRun, listRuns } from '../queries/runs';
import { defineRoute, type RouteModule } from '../route';
import { runLinks } from './links';
import { runEvidenceRoutes } from './run-evidence';

const startRunBody = z.strictObject({
  accountId,
  period,
  timeZone: timeZone.default('UTC'),
  windowHours: windowHours.optional(),
  types: transactionTypes.optional(),
  rerun: z.boolean().default(false).describe('start a new numbered attempt even if the period was reconciled before'),
  dryRun: z.boolean().default(false).describe('compute everything without writing the ledger, matches or exceptions'),
});

const listRunsQuery = z.strictObject({
  accountId: accountId.optional(),
  period: period.optional(),
  status: reconStatus.optional(),
  limit: pageLimit(50, 200),
});

const runParams = z.strictObject({ workflowId });

export const runRoutes: RouteModule = {
  tag: 'runs',
  description: 'Monthly reconciliation runs: start one, find them by account, period and status (Temporal visibility joined with MongoDB), read a summary.',
  routes: [
    defineRoute({
      method: 'POST',
      path: '/runs',
      operationId: 'startRun',
      tag: 'runs',
      summary: 'Start the reconciliation of one account for one month (as `recon run`)',
      description: 'The workflow id is `recon:{accountId}:{period}`; a period has one run unless `rerun` asks for a new numbered attempt.',
      scope: 'runs:write',
      body: startRunBody,
      answers: {
        202: { description: 'started; follow it at links.self', content: { 'application/json': runStarted } },
        409: { description: 'the period was reconciled already or is running (send rerun: true for a new attempt)' },
      },
      handle: async ({ body, deps, reply }) => {
        try {
          const { workflowId: id, handle } = await startReconciliation(deps.temporal, deps.taskQueue, body);
          void reply.code(202).header('location', runLinks(id).self);
          return { workflowId: id, runId: handle.firstExecutionRunId, links: runLinks(id) };
        } catch (error) {
          if (error instanceof RunAlreadyStartedError) throw conflict(`${body.accountId} ${body.period} has already been reconciled or is running (workflow ${error.workflowId}); send rerun: true to start a new attempt`);
          if (error instanceof TooManyRerunsError) throw conflict(error.message);
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/runs',
      operationId: 'listRuns',
      tag: 'runs',
      summary: 'Runs by account, period and status, newest first',
      description: 'From Temporal visibility (search attributes ReconAccountId, ReconPeriod, ReconStatus, ReconExceptionCount), joined with the run records in MongoDB. Visibility is eventually consistent: a run started a moment ago may take a second to appear.',
      scope: 'runs:read',
      query: listRunsQuery,
      answers: { 200: { description: 'the runs', content: { 'application/json': z.object({ items: z.array(runView) }) } } },
      handle: async ({ query, deps }) => ({ items: await listRuns(deps.temporal, deps.db, query, query.limit) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/runs/{workflowId}',
      operationId: 'getRun',
      tag: 'runs',
      summary: "One run: where it is, or its summary once finished",
      scope: 'runs:read',
      params: runParams,
      answers: { 200: { description: 'the run', content: { 'application/json': runDetail } }, 404: { description: 'no such reconciliation run' } },
      handle: async ({ params, deps }) => {
        const run = await describeRun(deps.temporal, deps.db, params.workflowId);
        if (!run) throw notFound(`no reconciliation run ${params.workflowId}`);
        return { ...run, links: runLinks(params.workflowId, run) };
      },
    }),
    ...runEvidenceRoutes,
  ],
};
