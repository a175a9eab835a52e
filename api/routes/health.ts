import { z } from 'zod';
import { checkReadiness, mongoReadiness, temporalReadiness } from '../readiness';
import { defineRoute, type RouteModule } from '../route';

const readiness = z.object({ status: z.enum(['ready', 'not ready']), checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })) });

export const healthRoutes: RouteModule = {
  tag: 'health',
  description: 'Liveness and readiness, without authentication (for load balancers and orchestrators).',
  routes: [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      operationId: 'liveness',
      tag: 'health',
      summary: 'The process is up',
      answers: { 200: { description: 'alive', content: { 'application/json': z.object({ status: z.literal('ok') }) } } },
      handle: async () => ({ status: 'ok' }),
    }),
    defineRoute({
      method: 'GET',
      path: '/readyz',
      operationId: 'readiness',
      tag: 'health',
      summary: 'Temporal and MongoDB answer',
      answers: {
        200: { description: 'both answer', content: { 'application/json': readiness } },
        503: { description: 'at least one does not: `checks` names it and why', content: { 'application/json': readiness } },
      },
      handle: async ({ deps, reply }) => {
        const result = await checkReadiness(deps.readiness ?? [temporalReadiness(deps.temporal), mongoReadiness(deps.db)]);
        void reply.code(result.ready ? 200 : 503);
        return { status: result.ready ? 'ready' : 'not ready', checks: result.checks };
      },
    }),
  ],
};
