import type { Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../lib/config';
import { checkInterval, MONITOR_INTERVAL_SECONDS_DEFAULT, MONITOR_INTERVAL_SECONDS_MAX, MONITOR_INTERVAL_SECONDS_MIN, MONITOR_NAMES, MONITORS, monitoringStatus, MonitorScheduleError, startMonitoring, stopMonitoring, triggerMonitor, type MonitorName, type MonitorStatus } from '../lib/temporal/monitor-schedules';
import { connectTemporal } from './connections';
import { UserError } from './errors';
import { printJson, printTable } from './table';

/** `recon monitor …`: the working-order monitor and exposure snapshots of an account, as Temporal Schedules. */
export function registerMonitorCommands(program: Command): void {
  const monitor = program
    .command('monitor')
    .description('Working-order monitor and exposure snapshots of an account, as Temporal Schedules recon-orders:{account} and recon-exposure:{account} (docs/trading-monitor.md)');

  monitor
    .command('start')
    .description('Start (or re-time) both monitors of an account; the worker must be running')
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--orders-every <seconds>', `seconds between working-order polls (${MONITOR_INTERVAL_SECONDS_MIN}-${MONITOR_INTERVAL_SECONDS_MAX})`, parseInterval, MONITOR_INTERVAL_SECONDS_DEFAULT)
    .option('--exposure-every <seconds>', 'seconds between exposure snapshots', parseInterval, MONITOR_INTERVAL_SECONDS_DEFAULT)
    .option('--json', 'print the schedules as JSON')
    .action((options: { account: string; ordersEvery: number; exposureEvery: number; json?: boolean }) =>
      withTemporal(async (client, taskQueue) => {
        const status = await startMonitoring(client, { accountId: options.account, taskQueue, intervals: { orders: options.ordersEvery, exposure: options.exposureEvery } });
        if (options.json) return printJson(status);
        printStatus(status);
        console.log(`\nSee what they find: recon orders --account ${options.account}, recon exposure --account ${options.account}, recon alerts --account ${options.account}`);
      }),
    );

  monitor
    .command('stop')
    .description("Delete both monitors' schedules of an account (polls already running finish; what they stored stays)")
    .requiredOption('--account <id>', 'the Capital.com account id')
    .action((options: { account: string }) =>
      withTemporal(async (client) => {
        const deleted = await stopMonitoring(client, options.account);
        console.log(deleted.length > 0 ? `Deleted ${deleted.join(' and ')}.` : `Account ${options.account} was not monitored.`);
      }),
    );

  monitor
    .command('status')
    .description("Both monitors' schedules: interval, next poll, recent polls and how they ended")
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--json', 'print as JSON')
    .action((options: { account: string; json?: boolean }) =>
      withTemporal(async (client) => {
        const status = await monitoringStatus(client, options.account);
        if (options.json) return printJson(status);
        printStatus(status);
      }),
    );

  monitor
    .command('poll')
    .description('Poll now, outside the interval (skipped if a poll of the same monitor is running)')
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--only <monitor>', `one monitor: ${MONITOR_NAMES.join(' or ')}`, parseMonitorName)
    .action((options: { account: string; only?: MonitorName }) =>
      withTemporal(async (client) => {
        for (const name of options.only ? [options.only] : MONITOR_NAMES) await triggerMonitor(client, name, options.account);
        console.log(`Triggered ${options.only ?? MONITOR_NAMES.join(' and ')}; \`recon monitor status --account ${options.account}\` shows the run.`);
      }),
    );
}

function printStatus(status: readonly MonitorStatus[]): void {
  printTable(
    ['monitor', 'schedule', 'every', 'state', 'next poll', 'last poll'],
    status.map((s) => {
      const last = s.recentRuns.at(-1);
      return [
        s.monitor,
        s.scheduleId,
        s.intervalSeconds ? `${s.intervalSeconds} s` : '-',
        !s.exists ? 'not started' : s.paused ? 'paused' : 'running',
        s.nextRunAt ?? '-',
        last ? `${last.scheduledAt} ${last.status}` : '-',
      ];
    }),
  );
  for (const s of status) if (!s.exists) console.log(`\n${MONITORS[s.monitor].description}: not started (recon monitor start --account …).`);
}

async function withTemporal(work: (client: Client, taskQueue: string) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const client = await connectTemporal(config);
  try {
    await work(client, config.temporal.taskQueue);
  } catch (error) {
    if (error instanceof MonitorScheduleError) throw new UserError(error.message);
    throw error;
  } finally {
    await client.connection.close();
  }
}

function parseInterval(value: string): number {
  try {
    return checkInterval(Number(value));
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseMonitorName(value: string): MonitorName {
  if (!(MONITOR_NAMES as string[]).includes(value)) throw new InvalidArgumentError(`'${value}' is not a monitor: ${MONITOR_NAMES.join(' or ')}`);
  return value as MonitorName;
}

