/**
 * The trading monitors as Temporal Schedules, two per account: `recon-orders:{account}` polls the
 * working orders (monitorWorkingOrders) and `recon-exposure:{account}` takes an exposure snapshot
 * (snapshotExposure), each at a fixed interval (default every minute). A poll still running when
 * the next is due makes the next one skip (overlap SKIP): polls are snapshots, a late one is
 * worthless. Missed polls are not caught up beyond one interval.
 */
import { describeScheduleIfAny, intervalScheduleFacts } from './interval-schedules';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { MonitorInput } from '../../workflows/trading-monitors';

export const MONITORS = {
  orders: { prefix: 'recon-orders:', workflowType: 'monitorWorkingOrders', description: 'working orders, positions and activity, diffed against the last poll' },
  exposure: { prefix: 'recon-exposure:', workflowType: 'snapshotExposure', description: 'exposure snapshot of the open positions, with limits' },
} as const;
export type MonitorName = keyof typeof MONITORS;
export const MONITOR_NAMES = Object.keys(MONITORS) as MonitorName[];

export const MONITOR_INTERVAL_SECONDS_DEFAULT = 60;
/** Far below a minute Temporal would mostly be busy starting polls; a day is the other bound. */
export const MONITOR_INTERVAL_SECONDS_MIN = 10;
export const MONITOR_INTERVAL_SECONDS_MAX = 86_400;

export class MonitorScheduleError extends Error {
  override name = 'MonitorScheduleError';
}

export function monitorScheduleId(monitor: MonitorName, accountId: string): string {
  return `${MONITORS[monitor].prefix}${accountId}`;
}

export function checkInterval(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < MONITOR_INTERVAL_SECONDS_MIN || seconds > MONITOR_INTERVAL_SECONDS_MAX) {
    throw new MonitorScheduleError(`the interval must be a whole number of seconds from ${MONITOR_INTERVAL_SECONDS_MIN} to ${MONITOR_INTERVAL_SECONDS_MAX}, not ${seconds}`);
  }
  return seconds;
}

export interface MonitorSettings {
  accountId: string;
  taskQueue: string;
  intervals: Record<MonitorName, number>;
}

export interface MonitorRun {
  scheduledAt: string;
  workflowId: string;
  status: string;
}

export interface MonitorStatus {
  monitor: MonitorName;
  scheduleId: string;
  exists: boolean;
  paused?: boolean;
  intervalSeconds?: number;
  nextRunAt?: string;
  recentRuns: MonitorRun[];
  actionsTaken?: number;
  actionsSkippedOverlap?: number;
}

/** Creates both schedules, or updates their interval and task queue when they exist (idempotent). */
export async function startMonitoring(client: Client, settings: MonitorSettings): Promise<MonitorStatus[]> {
  for (const monitor of MONITOR_NAMES) {
    const intervalSeconds = checkInterval(settings.intervals[monitor]);
    const scheduleId = monitorScheduleId(monitor, settings.accountId);
    const input: MonitorInput = { accountId: settings.accountId };
    const options = {
      spec: { intervals: [{ every: intervalSeconds * 1000 }] },
      action: { type: 'startWorkflow' as const, workflowType: MONITORS[monitor].workflowType, workflowId: scheduleId, taskQueue: settings.taskQueue, args: [input], workflowExecutionTimeout: Math.max(intervalSeconds * 5, 300) * 1000 },
      policies: { overlap: 'SKIP' as const, catchupWindow: `${intervalSeconds} seconds`, pauseOnFailure: false },
      memo: { accountId: settings.accountId, monitor },
    };
    try {
      await client.schedule.create({ scheduleId, ...options });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: { ...previous.action, ...options.action }, policies: { ...previous.policies, ...options.policies } }));
    }
  }
  return monitoringStatus(client, settings.accountId);
}

/** Deletes both schedules; polls already running finish. Returns the ids that existed. */
export async function stopMonitoring(client: Client, accountId: string): Promise<string[]> {
  const deleted: string[] = [];
  for (const monitor of MONITOR_NAMES) {
    const handle = client.schedule.getHandle(monitorScheduleId(monitor, accountId));
    try {
      await handle.delete();
      deleted.push(handle.scheduleId);
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }
  return deleted;
}

/** Runs a monitor now, outside its interval (a poll already running makes this one skip). */
export async function triggerMonitor(client: Client, monitor: MonitorName, accountId: string): Promise<void> {
  const handle = client.schedule.getHandle(monitorScheduleId(monitor, accountId));
  try {
    await handle.trigger('SKIP');
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new MonitorScheduleError(`account ${accountId} is not monitored: start it with \`recon monitor start --account ${accountId}\``);
    throw error;
  }
}

export async function monitoringStatus(client: Client, accountId: string): Promise<MonitorStatus[]> {
  return Promise.all(MONITOR_NAMES.map((monitor) => describeMonitor(client, monitor, accountId)));
}

async function describeMonitor(client: Client, monitor: MonitorName, accountId: string): Promise<MonitorStatus> {
  const scheduleId = monitorScheduleId(monitor, accountId);
  const description = await describeScheduleIfAny(client, scheduleId);
  if (!description) return { monitor, scheduleId, exists: false, recentRuns: [] };
  return { monitor, scheduleId, exists: true, ...(await intervalScheduleFacts(client, description)) };
}

