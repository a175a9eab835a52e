import { z } from 'zod';
import { exposureMetricHistory, exposureSnapshotAt, type StoredExposureSnapshot } from '../../lib/store/exposure';
import type { ExposureSnapshot } from '../../lib/trading/exposure';
import { notFound } from '../http/errors';
import { accountId, instant, pageLimit } from '../http/fields';
import { defineRoute, type RouteModule } from '../route';

/** The headline figures kept beside each snapshot (lib/trading/exposure.ts `exposureMetrics`). */
export const EXPOSURE_METRICS = ['grossExposure', 'netExposure', 'margin', 'unrealisedPnl', 'equity', 'effectiveLeverage', 'concentrationPercent', 'positionCount', 'unconvertedCount', 'breachCount', 'criticalCount'] as const;

const snapshotView = z.object({
  id: z.string(),
  accountId: z.string(),
  at: z.string(),
  sourceId: z.string().describe('the scheduled workflow that took it'),
  metrics: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  snapshot: z.record(z.string(), z.unknown()).describe('positions, byInstrument, byInstrumentType, byCurrency, totals, leverage, concentration, changes, breaches (lib/trading/EXPOSURE.md)'),
});

function view(stored: StoredExposureSnapshot<ExposureSnapshot>): z.infer<typeof snapshotView> {
  return { id: stored.id, accountId: stored.accountId, at: new Date(stored.atMs).toISOString(), sourceId: stored.sourceId, metrics: stored.metrics, snapshot: { ...stored.snapshot } };
}

const snapshotQuery = z.strictObject({ accountId, at: instant.optional().describe('the latest snapshot at or before this time; the latest of all when absent') });

const historyQuery = z.strictObject({
  accountId,
  from: instant.optional().describe('default: 24 hours before `to`'),
  to: instant.optional().describe('default: now'),
  limit: pageLimit(1440, 10_000),
});

const DAY_MS = 86_400_000;

export const exposureRoutes: RouteModule = {
  tag: 'exposure',
  description: 'Exposure snapshots of the open positions (notional, margin, P/L, leverage, concentration, limit breaches) and the history of their headline figures.',
  routes: [
    defineRoute({
      method: 'GET',
      path: '/exposure',
      operationId: 'getExposure',
      tag: 'exposure',
      summary: 'The latest exposure snapshot of an account, or the one in force at a time',
      scope: 'trading:read',
      query: snapshotQuery,
      answers: { 200: { description: 'the snapshot', content: { 'application/json': snapshotView } }, 404: { description: 'no snapshot (yet) at that time' } },
      handle: async ({ query, deps }) => {
        const stored = await exposureSnapshotAt<ExposureSnapshot>(deps.db, query.accountId, query.at);
        if (!stored) throw notFound(`no exposure snapshot of account ${query.accountId}${query.at !== undefined ? ` at or before ${new Date(query.at).toISOString()}` : ''}: is it monitored? (recon monitor start --account ${query.accountId})`);
        return view(stored);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/exposure/metrics/{metric}',
      operationId: 'getExposureMetric',
      tag: 'exposure',
      summary: 'One headline figure over time, oldest first',
      scope: 'trading:read',
      params: z.strictObject({ metric: z.enum(EXPOSURE_METRICS) }),
      query: historyQuery,
      answers: { 200: { description: 'the points', content: { 'application/json': z.object({ metric: z.string(), points: z.array(z.object({ at: z.string(), value: z.union([z.string(), z.number(), z.null()]) })) }) } } },
      handle: async ({ params, query, deps }) => {
        const toMs = query.to ?? Date.now();
        const fromMs = query.from ?? toMs - DAY_MS;
        const points = await exposureMetricHistory(deps.db, { accountId: query.accountId, metric: params.metric, fromMs, toMs, limit: query.limit });
        return { metric: params.metric, points: points.map((p) => ({ at: new Date(p.atMs).toISOString(), value: p.value })) };
      },
    }),
  ],
};
