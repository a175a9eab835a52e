import { readFileSync } from 'node:fs';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../lib/config';
import { parseResolutions, type Resolution } from '../lib/market/resolutions';
import { SentimentScheduleError, sentimentPollingStatus, startSentimentPolling } from '../lib/temporal/sentiment-schedules';
import { addStreamEpics, DEFAULT_STREAM_ID, MarketStreamError, marketStreamStatus, removeStreamEpics, startMarketStream, stopMarketStream, type StreamStatus } from '../lib/temporal/market-streams';
import { allMarkets } from '../simulator/data/markets';
import type { StreamSettings } from '../workflows/market-stream';
import { connectTemporal } from './connections';
import { UserError } from './errors';
import { parsePositiveInt } from './parse';
import { printJson, printTable } from './table';

interface EpicOptions {
  epics?: string[];
  epicsFile?: string;
}

/** `recon stream …`: the streaming supervisor of an account (docs/market-data.md). */
export function registerStreamCommands(program: Command): void {
  const stream = program
    .command('stream')
    .description('Live market data: a long-running supervisor per account keeps epics streaming into the store as quotes and OHLC bars (docs/market-data.md)');

  stream
    .command('start')
    .description('Start streaming epics for an account, or add them to its running stream; the worker must be running')
    .requiredOption('--account <id>', 'the Capital.com account whose session streams')
    .option('--stream <name>', 'several streams per account can run side by side', DEFAULT_STREAM_ID)
    .option('--epics <list>', 'comma-separated epics', parseList)
    .option('--epics-file <file>', "epics, one per line or comma-separated ('-' = stdin)")
    .option('--resolutions <list>', 'bar resolutions built from quotes (default all eight)', parseResolutionList)
    .option('--ohlc <list>', "also store the broker's own ohlc.event bars of these resolutions, e.g. MINUTE,HOUR", parseResolutionList)
    .option('--sentiment-every <seconds>', "also poll these markets' client sentiment at this interval (the account's sentiment schedule takes them beside its own markets)", parsePositiveInt)
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample (simulator): recon sim-epics --count 100 > epics.txt && recon stream start --account ACC-1 --epics-file epics.txt')
    .action((options: EpicOptions & { account: string; stream: string; resolutions?: Resolution[]; ohlc?: Resolution[]; sentimentEvery?: number; json?: boolean }) =>
      withTemporal(async (client, taskQueue, reconTaskQueue) => {
        const epics = epicsFrom(options);
        const settings: Partial<StreamSettings> = { ...(options.resolutions ? { resolutions: options.resolutions } : {}), ...(options.ohlc ? { ohlcResolutions: options.ohlc } : {}) };
        const started = await startMarketStream(client, { accountId: options.account, streamId: options.stream, epics, taskQueue, settings });
        const sentiment = options.sentimentEvery === undefined ? undefined : await pollSentimentToo(client, options.account, epics, options.sentimentEvery, reconTaskQueue);
        if (options.json) return printJson({ ...started, epics: epics.length, ...(sentiment ? { sentiment } : {}) });
        if (sentiment) console.log(`Client sentiment of ${sentiment.marketIds?.length ?? 0} markets is polled every ${sentiment.intervalSeconds} s (${sentiment.scheduleId}); read it with \`recon sentiment <market>\`.`);
        console.log(
          started.started
            ? `Started ${started.workflowId} with ${epics.length} epics on task queue ${taskQueue}.`
            : `${started.workflowId} was already running: asked it to add ${epics.length} epics (settings unchanged).`,
        );
        console.log(`Watch it: recon stream status --account ${options.account}${options.stream === DEFAULT_STREAM_ID ? '' : ` --stream ${options.stream}`}`);
      }),
    );

  const changes = [
    { name: 'add', description: 'Add epics to a running stream (only the batch that takes them reconnects)', change: addStreamEpics, done: 'add' },
    { name: 'remove', description: 'Stop streaming some epics (what was stored stays)', change: removeStreamEpics, done: 'remove' },
  ] as const;
  for (const { name, description, change, done } of changes) {
    stream
      .command(name)
      .description(description)
      .requiredOption('--account <id>', 'the Capital.com account id')
      .option('--stream <name>', 'the stream', DEFAULT_STREAM_ID)
      .option('--epics <list>', 'comma-separated epics', parseList)
      .option('--epics-file <file>', "epics, one per line or comma-separated ('-' = stdin)")
      .action((options: EpicOptions & { account: string; stream: string }) =>
        withTemporal(async (client) => {
          const epics = epicsFrom(options);
          await change(client, options.account, options.stream, epics);
          console.log(`Asked the stream to ${done} ${epics.length} epics.`);
        }),
      );
  }

  stream
    .command('stop')
    .description('Stop a stream: every connection is closed and what it held is written (quotes and bars stay stored)')
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--stream <name>', 'the stream', DEFAULT_STREAM_ID)
    .option('--wait <seconds>', 'how long to wait for the batches to close', parsePositiveInt, 60)
    .action((options: { account: string; stream: string; wait: number }) =>
      withTemporal(async (client) => {
        const wasRunning = await stopMarketStream(client, options.account, options.stream, options.wait * 1000);
        console.log(wasRunning ? `Stopped the ${options.stream} stream of account ${options.account}; its connections are closed.` : `The ${options.stream} stream of account ${options.account} was not running.`);
      }),
    );

  stream
    .command('status')
    .description("A stream's batches, what each last reported (quotes, connections, latency) and the supervisor's totals")
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--stream <name>', 'the stream', DEFAULT_STREAM_ID)
    .option('--json', 'print as JSON')
    .action((options: { account: string; stream: string; json?: boolean }) =>
      withTemporal(async (client) => {
        const status = await marketStreamStatus(client, options.account, options.stream);
        const sentiment = await sentimentPollingStatus(client, options.account);
        if (options.json) return printJson({ ...status, sentiment });
        printStreamStatus(status, options.account);
        console.log(sentiment.exists ? `\nClient sentiment: ${sentiment.marketIds?.length ?? 0} markets every ${sentiment.intervalSeconds} s, next poll ${sentiment.nextRunAt ?? '-'} (recon sentiment status --account ${options.account}).` : '\nClient sentiment is not polled for this account (recon stream start … --sentiment-every 900, or recon sentiment start).');
      }),
    );

  program
    .command('sim-epics')
    .description("Epics of the simulator's markets, one per line (to feed `recon stream start --epics-file`)")
    .option('--count <n>', 'how many (the first n in the simulator order)', parsePositiveInt, 100)
    .action((options: { count: number }) => {
      for (const market of allMarkets().slice(0, options.count)) console.log(market.epic);
    });
}

function printStreamStatus(status: StreamStatus, accountId: string): void {
  if (!status.running) {
    console.log(status.status === 'NOT_FOUND' ? `No stream ${status.workflowId}: start one with \`recon stream start --account ${accountId} --epics …\`.` : `${status.workflowId} is not running (${status.status}).`);
    return;
  }
  const state = status.state!;
  const progressOf = new Map(status.activities.map((activity) => [activity.activityId, activity]));
  console.log(`${status.workflowId}: ${state.epics.length} epics in ${state.batches.length} batches, streaming since ${new Date(state.startedAtMs).toISOString()}`);
  const { totals } = state;
  const activities = [...progressOf.values()];
  const rejectedSessions = activities.reduce((sum, activity) => sum + (activity.progress?.sessionRenewals ?? 0), 0);
  console.log(`  session pings ${totals.sessionPings}, planned logins ${totals.sessionRenewals}, logins after a rejected session ${rejectedSessions} (this run of each batch)`);
  console.log(`  batch runs ${totals.batchRuns} (${totals.batchFailures} failed), continued as new ${totals.continuedAsNew}×, history ${state.historyLength} events\n`);
  printTable(
    ['batch', 'epics', 'status', 'runs', 'connected', 'reconnects', 'quotes stored', 'p99 ms', 'last heartbeat', 'last error'],
    state.batches.map((batch) => {
      const progress = activities.find((activity) => activity.progress?.batchId === batch.batchId)?.progress;
      const activity = activities.find((a) => a.progress?.batchId === batch.batchId);
      return [
        String(batch.batchId),
        String(batch.epics.length),
        batch.status === 'restarting' && batch.restartAtMs ? `restarting at ${new Date(batch.restartAtMs).toISOString().slice(11, 19)}` : batch.status,
        String(batch.runs),
        progress ? `${progress.connected}/${progress.connections}` : '-',
        progress ? String(progress.reconnects) : '-',
        progress ? String(progress.sink.quotesStored) : '-',
        progress?.sink.recentLatency.p99Ms !== undefined ? String(progress.sink.recentLatency.p99Ms) : progress?.sink.latency.p99Ms !== undefined ? String(progress.sink.latency.p99Ms) : '-',
        activity?.lastHeartbeatAt ?? '-',
        batch.lastError ?? '',
      ];
    }),
  );
}

function epicsFrom(options: EpicOptions): string[] {
  const epics = [...(options.epics ?? [])];
  if (options.epicsFile) {
    let text: string;
    try {
      text = readFileSync(options.epicsFile === '-' ? 0 : options.epicsFile, 'utf8');
    } catch (error) {
      throw new UserError(`cannot read --epics-file ${options.epicsFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    epics.push(...parseList(text.replace(/\s+/g, ',')));
  }
  if (epics.length === 0) throw new UserError('name the epics with --epics A,B,… or --epics-file <file>');
  return epics;
}

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseResolutionList(value: string): Resolution[] {
  try {
    return parseResolutions(parseList(value));
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** The account's sentiment schedule polls these markets too (beside those it had), at this interval. */
async function pollSentimentToo(client: Client, accountId: string, epics: readonly string[], everySeconds: number, taskQueue: string) {
  const current = await sentimentPollingStatus(client, accountId);
  const marketIds = [...new Set([...(current.marketIds ?? []), ...epics])].sort();
  return startSentimentPolling(client, { accountId, marketIds, everySeconds, taskQueue });
}

async function withTemporal(work: (client: Client, marketTaskQueue: string, reconTaskQueue: string) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const client = await connectTemporal(config);
  try {
    await work(client, config.market.taskQueue, config.temporal.taskQueue);
  } catch (error) {
    if (error instanceof MarketStreamError || error instanceof SentimentScheduleError) throw new UserError(error.message);
    if (error instanceof WorkflowNotFoundError) throw new UserError('that stream is not running: start it with `recon stream start --account … --epics …`');
    throw error;
  } finally {
    await client.connection.close();
  }
}

