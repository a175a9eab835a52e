import { InvalidArgumentError, type Command } from 'commander';
import { backfillOutcome, BackfillFailedError, ohlcView, startPricesBackfill, waitForBackfill, type BackfillView, type OhlcAnswer } from '../api/routes/market';
import { loadConfig, type Config } from '../lib/config';
import { EPIC_PATTERN } from '../lib/market/epic-batches';
import { parseResolution, RESOLUTIONS, type Resolution } from '../lib/market/resolutions';
import { checkOhlcRange, ohlcBetween, OhlcRangeError, OHLC_BUCKETS_PER_READ_MAX, type OhlcRead } from '../lib/store/market-ohlc';
import type { BackfillProgress } from '../workflows/market-backfill';
import { connectDatabase, connectTemporal } from './connections';
import { UserError } from './errors';
import { parseInstant } from './parse';
import { printTable } from './table';

/** A back-fill `recon prices` waits for at most; it goes on in the worker after that. */
const BACKFILL_WAIT_MS = 30 * 60_000;
const PROGRESS_EVERY_MS = 500;

interface PricesOptions {
  resolution: Resolution;
  from: number;
  to?: number;
  account?: string;
  backfill: boolean;
  json?: boolean;
}

/** `recon prices <epic>`: stored OHLC bars, back-filled from the broker on demand (docs/market-data.md). */
export function registerPricesCommands(program: Command): void {
  program
    .command('prices')
    .description("OHLC bars of an epic from the store: broker bars back-filled from GET /prices merged with streamed bars; closed bars the store lacks are back-filled first through the worker")
    .argument('<epic>', 'the epic, e.g. GOLD', parseEpic)
    .option('--resolution <resolution>', `bar resolution: ${RESOLUTIONS.join(', ')}`, parseResolutionOption, 'HOUR')
    .requiredOption('--from <time>', 'first instant, ISO 8601 in UTC (2025-03-01T00:00:00Z; a date means its midnight UTC)', parseInstant)
    .option('--to <time>', 'last instant, inclusive (default now)', parseInstant)
    .option('--account <id>', "whose Capital.com session back-fills (default: the worker login's own account; prices are the same for every account)")
    .option('--no-backfill', 'print what is stored only; fetch nothing')
    .option('--json', 'print as JSON (the shape GET /market/ohlc/{epic} answers)')
    .addHelpText('after', `\nAt most ${OHLC_BUCKETS_PER_READ_MAX} bars per call. Back-fill progress goes to stderr.\nExamples:\n  recon prices GOLD --resolution HOUR --from 2025-03-01 --to 2025-03-08\n  recon prices BTCUSD --resolution MINUTE --from 2025-03-04T09:00:00Z --to 2025-03-04T10:00:00Z --json`)
    .action(runPrices);
}

async function runPrices(epic: string, options: PricesOptions): Promise<void> {
  const config = loadConfig();
  const toMs = options.to ?? Date.now();
  try {
    checkOhlcRange(options.resolution, options.from, toMs);
  } catch (error) {
    if (error instanceof OhlcRangeError) throw new UserError(error.message);
    throw error;
  }
  const mongo = await connectDatabase(config, 'recon prices');
  try {
    const query = { epic, resolution: options.resolution, fromMs: options.from, toMs };
    let read = await ohlcBetween(mongo.db, { ...query, nowMs: Date.now() });
    let backfill: BackfillView = { status: read.coverage.missing.length === 0 ? 'not-needed' : 'disabled' };
    if (options.backfill && read.coverage.missing.length > 0 && read.coverage.closed) {
      backfill = await backfillThroughWorker(config, { epic, resolution: options.resolution, range: read.coverage.closed, ...(options.account ? { accountId: options.account } : {}) });
      read = await ohlcBetween(mongo.db, { ...query, nowMs: Date.now() });
    }
    const answer = ohlcView(read, backfill);
    if (options.json) return console.log(JSON.stringify(answer, null, 2));
    printBars(answer, read);
  } finally {
    await mongo.close();
  }
}

async function backfillThroughWorker(config: Config, request: Parameters<typeof startPricesBackfill>[2]): Promise<BackfillView> {
  const temporal = await connectTemporal(config);
  const terminal = Boolean(process.stderr.isTTY);
  try {
    const handle = await startPricesBackfill(temporal, config.temporal.taskQueue, request);
    process.stderr.write(`Back-filling ${request.epic} ${request.resolution} from GET /prices (workflow ${handle.workflowId}, task queue ${config.temporal.taskQueue})…\n`);
    let shown = '';
    const show = (progress: BackfillProgress) => {
      const line = `  ${progress.pagesDone}/${Math.max(progress.pagesTotal, progress.pagesDone)} pages, ${progress.barsStored} bars stored`;
      if (line === shown) return;
      shown = line;
      process.stderr.write(terminal ? `\r${line}   ` : `${line}\n`);
    };
    let result;
    try {
      result = await waitForBackfill(handle, { waitMs: BACKFILL_WAIT_MS, onProgress: show, progressEveryMs: PROGRESS_EVERY_MS });
    } catch (error) {
      if (error instanceof BackfillFailedError) throw new UserError(`${error.message}; --no-backfill prints what is stored`);
      throw error;
    }
    if (terminal && shown) process.stderr.write('\n');
    if (!result) throw new UserError(`the back-fill ${handle.workflowId} is still running after ${BACKFILL_WAIT_MS / 60_000} minutes (is a worker polling task queue ${config.temporal.taskQueue}?); run the same command again later`);
    process.stderr.write(`  done: ${result.pages} ${result.pages === 1 ? 'page' : 'pages'}, ${result.barsInserted + result.barsUpdated} bars stored\n`);
    return backfillOutcome(handle.workflowId, result);
  } finally {
    await temporal.connection.close();
  }
}

function printBars(answer: OhlcAnswer, read: OhlcRead): void {
  if (answer.bars.length === 0) {
    console.log(`No ${answer.resolution} bars of ${answer.epic} stored between ${answer.from} and ${answer.to}.`);
  } else {
    printTable(
      ['time (UTC)', 'source', 'bid open', 'bid high', 'bid low', 'bid close', 'ask open', 'ask high', 'ask low', 'ask close', 'volume / quotes'],
      answer.bars.map((bar) => [
        `${bar.time.slice(0, 10)} ${bar.time.slice(11, 16)}`,
        bar.forming ? 'stream (forming)' : bar.source,
        bar.bid.open,
        bar.bid.high,
        bar.bid.low,
        bar.bid.close,
        bar.ask.open,
        bar.ask.high,
        bar.ask.low,
        bar.ask.close,
        bar.volume !== null ? String(bar.volume) : `${bar.quoteCount ?? 0} quotes`,
      ]),
    );
  }
  const broker = read.bars.filter((bar) => bar.source === 'broker').length;
  console.log(`\n${answer.epic} (${answer.instrumentId}) ${answer.resolution}: ${answer.bars.length} bars, ${broker} from the broker, ${answer.bars.length - broker} streamed.`);
  if (answer.setAside.length > 0) {
    const reasons = new Map<string, number>();
    for (const row of answer.setAside) reasons.set(row.reason, (reasons.get(row.reason) ?? 0) + 1);
    console.log(`Set aside: ${[...reasons].map(([reason, count]) => `${count} ${reason}`).join(', ')} (--json lists them).`);
  }
  if (answer.coverage.missing.length > 0) {
    const advice = answer.backfill.status === 'disabled' ? ' (run without --no-backfill to fetch them)' : '';
    console.log(`Not back-filled: ${answer.coverage.missing.map((range) => `${range.from} to ${range.to}`).join('; ')}${advice}.`);
  }
}

function parseEpic(value: string): string {
  if (!EPIC_PATTERN.test(value)) throw new InvalidArgumentError(`'${value.slice(0, 64)}' is not an epic: upper-case letters, digits, '.', '_' or '-', e.g. GOLD`);
  return value;
}

function parseResolutionOption(value: string): Resolution {
  try {
    return parseResolution(value.toUpperCase());
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** As the API reads `from` and `to`, and a time without a zone is UTC. */
