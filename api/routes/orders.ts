import { z } from 'zod';
import type { StoredOrder } from '../../activities';
import { findLifecycle, listLifecycles, orderChanges, type OrderChangeDocument, type OrderLifecycleDocument } from '../../lib/store/orders';
import { ORDER_STATES } from '../../lib/trading/orders';
import { notFound } from '../http/errors';
import { accountId, pageLimit } from '../http/fields';
import { defineRoute, type RouteModule } from '../route';

const CHANGES_SHOWN_MAX = 1000;

const orderSchema = z.object({
  accountId: z.string(),
  dealId: z.string(),
  epic: z.string(),
  instrumentId: z.string().describe('deterministic id of the epic, shared with the ledger and exposure'),
  state: z.enum(ORDER_STATES),
  missingSince: z.string().optional().describe('gone from the broker with nothing to explain it, since then'),
  intentId: z.string().optional(),
  updatedAt: z.string(),
  terms: z.record(z.string(), z.unknown()).optional().describe('the terms last seen on the broker'),
  history: z.array(z.object({ state: z.enum(ORDER_STATES), at: z.string(), snapshotId: z.string().optional(), reason: z.string() })),
});

const changeSchema = z.object({
  at: z.string(),
  snapshotId: z.string(),
  kind: z.string(),
  fromState: z.string().optional(),
  toState: z.string().optional(),
  changes: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
  reason: z.string(),
});

export function orderView(document: OrderLifecycleDocument<StoredOrder>): z.infer<typeof orderSchema> {
  const { lifecycle } = document.lifecycle;
  return {
    accountId: document.accountId,
    dealId: document.dealId,
    epic: document.epic,
    instrumentId: document.instrumentId,
    state: lifecycle.state,
    ...(document.missingSinceMs !== undefined ? { missingSince: new Date(document.missingSinceMs).toISOString() } : {}),
    ...(lifecycle.intentId ? { intentId: lifecycle.intentId } : {}),
    updatedAt: new Date(document.updatedAtMs).toISOString(),
    ...(document.lifecycle.terms ? { terms: { ...document.lifecycle.terms } } : {}),
    history: lifecycle.history.map((step) => ({ state: step.state, at: new Date(step.atMs).toISOString(), ...(step.snapshotId ? { snapshotId: step.snapshotId } : {}), reason: step.reason })),
  };
}

export function changeView(change: OrderChangeDocument): z.infer<typeof changeSchema> {
  return {
    at: new Date(change.atMs).toISOString(),
    snapshotId: change.snapshotId,
    kind: change.kind,
    ...(change.fromState ? { fromState: change.fromState } : {}),
    ...(change.toState ? { toState: change.toState } : {}),
    changes: change.changes,
    reason: change.reason,
  };
}

const listQuery = z.strictObject({
  accountId: accountId.optional(),
  state: z.enum([...ORDER_STATES, 'open', 'closed']).optional().describe('one state, or open (INTENDED, CREATED, AMENDED) / closed (the terminal ones)'),
  epic: z.string().min(1).max(64).optional(),
  limit: pageLimit(100, 1000),
});

const OPEN_STATES = ['INTENDED', 'CREATED', 'AMENDED'];
const CLOSED_STATES = ['FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED'];

export const orderRoutes: RouteModule = {
  tag: 'orders',
  description: "Working-order lifecycles from the monitor: each order's state, the steps that led there, and the change log of every observed change.",
  routes: [
    defineRoute({
      method: 'GET',
      path: '/orders',
      operationId: 'listOrders',
      tag: 'orders',
      summary: 'Order lifecycles, most recently changed first',
      scope: 'trading:read',
      query: listQuery,
      answers: { 200: { description: 'the orders', content: { 'application/json': z.object({ items: z.array(orderSchema) }) } } },
      handle: async ({ query, deps }) => {
        const states = query.state === 'open' ? OPEN_STATES : query.state === 'closed' ? CLOSED_STATES : query.state ? [query.state] : undefined;
        const documents = await listLifecycles<StoredOrder>(deps.db, { ...query, ...(states ? { states } : {}) });
        return { items: documents.map(orderView) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/orders/{accountId}/{dealId}',
      operationId: 'getOrder',
      tag: 'orders',
      summary: "One order's lifecycle and its change log (before and after values, and the poll that saw each change)",
      scope: 'trading:read',
      params: z.strictObject({ accountId, dealId: z.string().min(1).max(128) }),
      answers: { 200: { description: 'the order', content: { 'application/json': orderSchema.extend({ changeLog: z.array(changeSchema) }) } }, 404: { description: 'the monitor has not seen this order' } },
      handle: async ({ params, deps }) => {
        const document = await findLifecycle<StoredOrder>(deps.db, params.accountId, params.dealId);
        if (!document) throw notFound(`the monitor of account ${params.accountId} has not seen order ${params.dealId}`);
        const changes = await orderChanges(deps.db, params.accountId, params.dealId, CHANGES_SHOWN_MAX);
        return { ...orderView(document), changeLog: changes.map(changeView) };
      },
    }),
  ],
};
