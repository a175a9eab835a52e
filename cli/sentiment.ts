import type { Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { pageLimit } from '../api/http/fields';
import { sentimentHistoryView, sentimentRange, SENTIMENT_HISTORY_DEFAULT_DAYS, type SentimentHistoryAnswer } from '../api/routes/market-sentiment';
import { loadConfig } from '../lib/config';
import { EPIC_PATTERN } from '../lib/market/epic-batches';
import { SENTIMENT_HISTORY_LIMIT_MAX, sentimentHistory } from '../lib/store/market-sentiment';
import {
  checkScheduleMarkets,
  checkSentimentInterval,
  SENTIMENT_INTERVAL_SECONDS_DEFAULT,
  SENTIMENT_INTERVAL_SECONDS_MAX,
  SENTIMENT_INTERVAL_SECONDS_MIN,
  SentimentScheduleError,
  sentimentPollingStatus,
  startSentimentPolling,
  stopSentimentPolling,
  triggerSentimentPoll,
  type SentimentPollingStatus,
} from '../lib/temporal/sentiment-schedules';
import { connectDatabase, connectTemporal } from './connections';
import { UserError } from './errors';
import { parseInstant } from './parse';
import { printJson, printTable } from './table';

interface HistoryOptions {
  from?: number;
  to?: number;
  limit: number;
  json?: boolean;
}

/**
 * `recon sentiment <marketId>` prints a market's stored client sentiment; `recon sentiment
 * start|stop|status|poll` runs its polling Schedule (docs/market-sentiment.md). `--json` belongs
 * to `sentiment` itself, so after a sub-command commander hands it to `sentiment`: the
 * sub-commands read it from there too (`optsWithGlobals`).
 */
export function registerSentimentCommands(program: Command): void {
  const sentiment = program
    .command('sentiment')
    .description("Client sentiment (share of clients long and short) per market: print a market's stored history, or run the Schedule recon-sentiment:{account} that polls it (docs/market-sentiment.md)")
    .argument('<marketId>', 'the market id, which is the epic, e.g. GOLD', parseMarketId)
    .option('--from <time>', `first instant, ISO 8601 in UTC (default ${SENTIMENT_HISTORY_DEFAULT_DAYS} days before --to)`, parseInstant)
    .option('--to <time>', 'last instant, inclusive (default now)', parseInstant)
    .option('--limit <n>', `at most this many points, the newest (1-${SENTIMENT_HISTORY_LIMIT_MAX})`, parseLimit, 1000)
    .option('--json', 'print as JSON (the shape GET /market/sentiment/{marketId} answers)')
    .addHelpText('after', '\nExamples:\n  recon sentiment GOLD --from 2025-03-01 --to 2025-03-08\n  recon sentiment start --account ACC-1 --markets GOLD,BTCUSD --every 900\n  recon sentiment status --account ACC-1')
    .action(runHistory);

  sentiment
    .command('start')
    .description('Poll the markets on a Schedule (or update the running one: markets and interval are replaced); the worker must be running')
    .requiredOption('--account <id>', 'the Capital.com account whose session polls')
    .requiredOption('--markets <list>', 'comma-separated market ids (epics), e.g. GOLD,BTCUSD', parseMarkets)
    .option('--every <seconds>', `seconds between polls (${SENTIMENT_INTERVAL_SECONDS_MIN}-${SENTIMENT_INTERVAL_SECONDS_MAX})`, parseInterval, SENTIMENT_INTERVAL_SECONDS_DEFAULT)
    .option('--json', 'print the schedule as JSON')
    .action((options: { account: string; markets: string[]; every: number }, command: Command) =>
      withTemporal(async (client, taskQueue) => {
        const status = await startSentimentPolling(client, { accountId: options.account, marketIds: options.markets, everySeconds: options.every, taskQueue });
        if (wantsJson(command)) return printJson(status);
        printStatus(status);
        console.log(`\nSee what it stores: recon sentiment ${status.marketIds?.[0] ?? '<marketId>'}`);
      }),
    );

  sentiment
    .command('stop')
    .description("Delete the account's sentiment Schedule (a poll already running finishes; stored points stay)")
    .requiredOption('--account <id>', 'the Capital.com account id')
    .action((options: { account: string }) =>
      withTemporal(async (client) => {
        const existed = await stopSentimentPolling(client, options.account);
        console.log(existed ? `Deleted the Schedule recon-sentiment:${options.account}.` : `Account ${options.account} polled no client sentiment.`);
      }),
    );

  sentiment
    .command('status')
    .description("The account's sentiment Schedule: markets, interval, next poll, recent polls and how they ended")
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--json', 'print as JSON')
    .action((options: { account: string }, command: Command) =>
      withTemporal(async (client) => {
        const status = await sentimentPollingStatus(client, options.account);
        if (wantsJson(command)) return printJson(status);
        printStatus(status);
      }),
    );

  sentiment
    .command('poll')
    .description('Poll now, outside the interval (skipped if a poll is running)')
    .requiredOption('--account <id>', 'the Capital.com account id')
    .action((options: { account: string }) =>
      withTemporal(async (client) => {
        await triggerSentimentPoll(client, options.account);
        console.log(`Triggered a poll; \`recon sentiment status --account ${options.account}\` shows it.`);
      }),
    );
}

async function runHistory(marketId: string, options: HistoryOptions): Promise<void> {
  const range = sentimentRange(options.from, options.to, Date.now());
  if (range.toMs < range.fromMs) throw new UserError(`--to (${new Date(range.toMs).toISOString()}) is before --from (${new Date(range.fromMs).toISOString()})`);
  const config = loadConfig();
  const mongo = await connectDatabase(config, 'recon sentiment');
  try {
    const points = await sentimentHistory(mongo.db, { marketId, ...range, limit: options.limit });
    const answer = sentimentHistoryView({ marketId, ...range }, points);
    if (options.json) return printJson(answer);
    printHistory(answer, options.limit);
  } finally {
    await mongo.close();
  }
}

function printHistory(answer: SentimentHistoryAnswer, limit: number): void {
  if (answer.points.length === 0) {
    console.log(`No client sentiment of ${answer.marketId} stored between ${answer.from} and ${answer.to}: is it polled? (recon sentiment start --account … --markets ${answer.marketId})`);
    return;
  }
  printTable(
    ['time (UTC)', 'long %', 'short %'],
    answer.points.map((point) => [`${point.at.slice(0, 10)} ${point.at.slice(11, 19)}`, point.longPercent, point.shortPercent]),
  );
  const capped = answer.points.length === limit ? ` (the newest ${limit}; --limit shows more)` : '';
  console.log(`\n${answer.marketId} (${answer.instrumentId}): ${answer.points.length} points from ${answer.from} to ${answer.to}${capped}.`);
}

function printStatus(status: SentimentPollingStatus): void {
  if (!status.exists) {
    console.log(`${status.scheduleId}: not started (recon sentiment start --account … --markets …).`);
    return;
  }
  const last = status.recentRuns.at(-1);
  printTable(
    ['schedule', 'every', 'state', 'markets', 'next poll', 'last poll'],
    [[status.scheduleId, status.intervalSeconds ? `${status.intervalSeconds} s` : '-', status.paused ? 'paused' : 'running', String(status.marketIds?.length ?? 0), status.nextRunAt ?? '-', last ? `${last.scheduledAt} ${last.status}` : '-']],
  );
  if (status.marketIds && status.marketIds.length > 0) console.log(`\nMarkets: ${status.marketIds.join(', ')}`);
}

async function withTemporal(work: (client: Client, taskQueue: string) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const client = await connectTemporal(config);
  try {
    await work(client, config.temporal.taskQueue);
  } catch (error) {
    if (error instanceof SentimentScheduleError) throw new UserError(error.message);
    throw error;
  } finally {
    await client.connection.close();
  }
}

function wantsJson(command: Command): boolean {
  return Boolean(command.optsWithGlobals<{ json?: boolean }>().json);
}

function parseMarketId(value: string): string {
  if (!EPIC_PATTERN.test(value)) throw new InvalidArgumentError(`'${value.slice(0, 64)}' is not a market id: the epic, upper-case letters, digits, '.', '_' or '-', e.g. GOLD`);
  return value;
}

function parseMarkets(value: string): string[] {
  try {
    return checkScheduleMarkets(value.split(',').map((item) => item.trim()).filter((item) => item !== ''));
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseInterval(value: string): number {
  try {
    return checkSentimentInterval(Number(value));
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseLimit(value: string): number {
  const parsed = pageLimit(1000, SENTIMENT_HISTORY_LIMIT_MAX).safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`'${value}' is not a whole number from 1 to ${SENTIMENT_HISTORY_LIMIT_MAX}`);
  return parsed.data;
}

/** As the API reads `from` and `to`; a time without a zone is UTC. */

