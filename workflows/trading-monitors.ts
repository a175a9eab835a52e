import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, AlertDeliveryResult, ExposureCaptureResult, OrderPollResult } from '../activities';

/**
 * What the trading Schedules start (lib/temporal/monitor-schedules.ts): one short workflow per
 * poll, its id the schedule's plus the scheduled time, which also names the poll's snapshot so a
 * retried activity finds its own earlier writes. Polls pass ids and counts; the data is in MongoDB.
 */
export interface MonitorInput {
  accountId: string;
}

const { pollWorkingOrders, captureExposure } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '20 seconds', maximumAttempts: 5 },
});

/** Webhook receivers may be down for a while: alerts stay pending and the next poll tries again. */
const { deliverAlerts } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});

export interface MonitorResult<T> {
  accountId: string;
  poll: T;
  delivery: AlertDeliveryResult;
}

export async function monitorWorkingOrders(input: MonitorInput): Promise<MonitorResult<OrderPollResult>> {
  const poll = await pollWorkingOrders({ accountId: input.accountId, snapshotId: workflowInfo().workflowId });
  const delivery = await deliverAlerts({ accountId: input.accountId });
  return { accountId: input.accountId, poll, delivery };
}

export async function snapshotExposure(input: MonitorInput): Promise<MonitorResult<ExposureCaptureResult>> {
  const poll = await captureExposure({ accountId: input.accountId, sourceId: workflowInfo().workflowId });
  const delivery = await deliverAlerts({ accountId: input.accountId });
  return { accountId: input.accountId, poll, delivery };
}
