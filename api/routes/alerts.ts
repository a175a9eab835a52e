import { z } from 'zod';
import { acknowledgeAlert, ALERT_KINDS, alertFacts, listAlerts, type AlertDocument } from '../../lib/store/alerts';
import { notFound } from '../http/errors';
import { accountId, pageLimit } from '../http/fields';
import { defineRoute, type RouteModule } from '../route';

const alertSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  kind: z.enum(ALERT_KINDS),
  rule: z.string(),
  severity: z.enum(['warning', 'breach', 'critical']),
  subject: z.string().describe('the deal id, instrument id or `account` the alert is about'),
  message: z.string(),
  status: z.enum(['open', 'acknowledged', 'resolved']),
  ongoing: z.boolean().describe('resolves by itself when a later poll no longer sees the condition'),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  resolvedAt: z.string().optional(),
  acknowledgedAt: z.string().optional(),
  occurrences: z.number().int(),
  delivery: z.object({ state: z.string(), attempts: z.number().int(), lastError: z.string().optional(), deliveredAt: z.string().optional() }),
  details: z.record(z.string(), z.unknown()),
});

export function alertView(alert: AlertDocument): z.infer<typeof alertSchema> {
  const { state, attempts, lastError, deliveredAt } = alert.delivery;
  return { ...alertFacts(alert), delivery: { state, attempts, ...(lastError ? { lastError } : {}), ...(deliveredAt ? { deliveredAt: deliveredAt.toISOString() } : {}) } };
}

const listQuery = z.strictObject({
  accountId: accountId.optional(),
  status: z.enum(['open', 'acknowledged', 'resolved', 'all']).default('open').describe('default open'),
  kind: z.enum(ALERT_KINDS).optional(),
  subject: z.string().min(1).max(200).optional().describe('a deal id, instrument id or `account`'),
  limit: pageLimit(100, 1000),
});

const alertParams = z.strictObject({ alertId: z.string().min(1).max(400) });

export const alertRoutes: RouteModule = {
  tag: 'alerts',
  description: 'Alerts of the working-order monitor and the exposure snapshots: governance, drift, illegal transitions, unexplained orders, limit breaches.',
  routes: [
    defineRoute({
      method: 'GET',
      path: '/alerts',
      operationId: 'listAlerts',
      tag: 'alerts',
      summary: 'Alerts, most recently seen first (open ones by default)',
      scope: 'trading:read',
      query: listQuery,
      answers: { 200: { description: 'the alerts', content: { 'application/json': z.object({ items: z.array(alertSchema) }) } } },
      handle: async ({ query, deps }) => {
        const alerts = await listAlerts(deps.db, { ...query, status: query.status === 'all' ? undefined : query.status });
        return { items: alerts.map(alertView) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/alerts/{alertId}/acknowledge',
      operationId: 'acknowledgeAlert',
      tag: 'alerts',
      summary: 'Mark an alert as seen: a one-off alert is done; an ongoing one still resolves by itself',
      scope: 'trading:write',
      params: alertParams,
      answers: { 200: { description: 'the alert', content: { 'application/json': alertSchema } }, 404: { description: 'no such alert' } },
      handle: async ({ params, deps }) => {
        const alert = await acknowledgeAlert(deps.db, params.alertId, Date.now());
        if (!alert) throw notFound(`there is no alert ${params.alertId}`);
        return alertView(alert);
      },
    }),
  ],
};
