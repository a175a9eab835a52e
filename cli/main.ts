import { Command, Option } from 'commander';
import { codeVersion } from '../lib/version';
import { runBalancesCapture, runBalancesImport, runBalancesList } from './balances';
import { runBooksImport } from './books';
import { runCheck } from './check';
import { runReconciliation } from './run';
import { runExceptions, runStatus } from './status';
import { runCoaExport, runCoaImport } from './coa';
import { runConfig } from './config';
import { runDemo } from './demo';
import { runDev } from './dev';
import { runSim } from './sim';
import { parseFormats, runStatements, runVerify } from './statements';
import { runSimBooks } from './sim-books';
import { EXIT, EXIT_CODES_HELP, reportError } from './errors';
import { runWorker } from './worker';
import { parseNonNegativeInt, parseNonNegativeNumber, parsePeriod, parsePort, parsePortOrZero, parsePositiveInt, parsePositiveNumber, parseRate, parseTypes } from './parse';
import { registerScheduleCommands } from './schedule';
import { registerApiCommand } from './api';
import { registerChartCommands } from './charts';
import { registerMonitorCommands } from './monitor';
import { registerStreamCommands } from './stream';
import { registerPricesCommands } from './prices';
import { registerSentimentCommands } from './sentiment';
import { registerTradingCommands } from './trading';

const RUN_ID = 'the workflow id of a run, e.g. recon:123456:2025-01 (printed by `recon run`)';

/** Help text after a command's options: a few lines a reader can paste. */
function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

export function buildProgram(): Command {
  const program = new Command('recon')
    .description('capital-recon: Capital.com account reconciliation on Temporal')
    .version(codeVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for the command')
    .helpCommand('help [command]', 'show help for a command')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    // 'afterAll': every sub-command's help ends with the exit codes too.
    .addHelpText('afterAll', `\n${EXIT_CODES_HELP}`)
    .addHelpText('after', '\nConfiguration comes from environment variables; `recon config` lists them. RECON_DEBUG=1 adds stack traces to unexpected errors.\nStart here: `recon dev` (the stack on this machine), then `recon run --account <id> --period 2025-01 --follow`.');

  program
    .command('demo')
    .description('Run everything locally (Temporal with UI, database, simulator, worker) and reconcile a demo month')
    .option('--period <YYYY-MM>', 'the month to reconcile (the simulated history starts in 2025-01)', parsePeriod, '2025-01')
    .option('--seed <n>', 'seed of the simulated account', parseNonNegativeInt, 1)
    .option('--transactions-per-month <n>', 'volume of the simulated account', parsePositiveInt, 3000)
    .option('--no-ui', 'run Temporal without its Web UI')
    .option('--keep', 'leave the stack running afterwards to browse the run in the Temporal UI')
    .option('--json', 'print the summary as JSON')
    .action(runDemo);

  program
    .command('dev')
    .description('Start Temporal (with its Web UI), the database, a worker and the HTTP API in the foreground; Ctrl-C stops all of it')
    .option('--port <port>', 'Temporal gRPC port (default 7233, or a free one if taken)', parsePort)
    .option('--ui-port <port>', 'Temporal Web UI port (default 8233, or a free one if taken)', parsePort)
    .option('--mongo-port <port>', 'database port (default 27017, or a free one if taken)', parsePort)
    .option('--api-port <port>', 'HTTP API port (default RECON_API_PORT, 8088, or a free one if taken; 0 = any free one)', parsePortOrZero)
    .option('--no-ui', 'run Temporal without its Web UI')
    .option('--no-api', 'do not serve the HTTP API')
    .addOption(new Option('--persist [dir]', 'keep Temporal and database state across restarts (default dir .recon/dev)').preset('.recon/dev'))
    .addHelpText('after', '\nThe API uses RECON_API_TOKENS when set; otherwise the banner prints one dev token with every scope, valid for this session, on 127.0.0.1 only.' + examples('recon dev', 'recon dev --persist --no-ui', 'recon dev --port 7300 --api-port 8100'))
    .action(runDev);

  program
    .command('worker')
    .description('Run the recon worker against TEMPORAL_ADDRESS and MONGODB_URI until Ctrl-C (run several to scale out)')
    .action(runWorker);

  program
    .command('run')
    .description('Reconcile one account for one month: ingest, post the ledger, match against the books, prove the roll-forward, write statements')
    .requiredOption('--account <id>', 'the Capital.com account id')
    .requiredOption('--period <YYYY-MM>', 'the calendar month, in --tz (not in the future)', parsePeriod)
    .option('--tz <zone>', "the account's IANA time zone", 'UTC')
    .option('--window-hours <n>', 'ingestion window size (default 24)', parsePositiveInt)
    .option('--rerun', 'start a new attempt even if this period was reconciled before')
    .option('--dry-run', 'compute everything without writing the ledger, matches or exceptions')
    .option('--types <list>', 'reconcile only these transaction types, e.g. DEPOSIT,WITHDRAWAL (a partial run: no roll-forward proof, no statements)', parseTypes)
    .option('--follow', 'wait, showing progress on stderr, and print the summary')
    .option('--json', 'print the started run (or, with --follow, the summary) as JSON')
    .addHelpText('after', examples('recon run --account 123456 --period 2025-01 --tz Europe/London --follow', 'recon run --account 123456 --period 2025-01 --rerun --json'))
    .action(runReconciliation);

  program
    .command('status')
    .description("A run's progress, or its summary once finished, or why it failed (exit 1)")
    .argument('<workflowId>', RUN_ID)
    .option('--json', 'print as JSON')
    .addHelpText('after', examples('recon status recon:123456:2025-01', 'recon status recon:123456:2025-01 --json | jq .summary.reconciliation'))
    .action(runStatus);

  program
    .command('exceptions')
    .description("A run's exceptions with the rule that decided each")
    .argument('<workflowId>', RUN_ID)
    .option('--json', 'print as JSON')
    .action(runExceptions);

  program
    .command('check')
    .description('Run a self-check workflow end to end: Temporal → worker → database write and read-back')
    .option('--timeout <seconds>', 'how long to wait for the workflow', parsePositiveInt, 30)
    .option('--json', 'print the result as JSON')
    .action(runCheck);

  program
    .command('sim')
    .description('Run the Capital.com simulator (REST + WebSocket) in the foreground')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free one)', parsePortOrZero, 8080)
    .option('--seed <n>', 'seed of the generated accounts and prices', parseNonNegativeInt, 1)
    .option('--accounts <n>', 'number of accounts', parsePositiveInt, 2)
    .option('--transactions-per-month <n>', 'transactions per account per month (up to 3,000,000)', parsePositiveInt, 3000)
    .option('--api-key <key>', 'API key the simulator accepts')
    .option('--identifier <login>', 'login the simulator accepts')
    .option('--password <password>', "API key password the simulator accepts")
    .option('--session-idle-minutes <n>', 'session idle expiry', parsePositiveNumber, 10)
    .option('--session-hard-lifetime-minutes <n>', 'session hard lifetime (0 = none)', parseNonNegativeNumber, 0)
    .option('--transactions-row-cap <n>', 'silently return at most this many transactions per request', parsePositiveInt)
    .option('--transactions-max-range-days <n>', 'refuse longer /history/transactions ranges', parsePositiveNumber)
    .option('--confirm-delay-ms <n>', 'how long a new deal confirmation answers 404', parseNonNegativeInt, 0)
    .option('--quotes-per-second <n>', 'WebSocket quotes per second in total', parsePositiveInt, 1000)
    .option('--fault-5xx <rate>', 'share of requests answered with a 5xx', parseRate, 0)
    .option('--fault-429 <rate>', 'share of requests answered with 429', parseRate, 0)
    .option('--fault-leaked <rate>', 'share answered with a leaked Java exception', parseRate, 0)
    .option('--fault-truncated <rate>', 'share of bodies cut off half-way', parseRate, 0)
    .option('--fault-invalidate-every <n>', 'invalidate all sessions every n authenticated requests', parseNonNegativeInt, 0)
    .option('--fault-slow-ms <ms>', 'delay every response, before handling the request', parseNonNegativeInt, 0)
    .option('--fault-late-answer-ms <ms>', 'delay every answer after handling the request (the work is done, the answer is late)', parseNonNegativeInt, 0)
    .option('--fault-drop-streams-every-ms <ms>', 'close every WebSocket this often', parseNonNegativeInt, 0)
    .option('--fault-silent-feed', 'keep WebSockets open but send no data')
    .option('--json', 'print the addresses and credentials as JSON')
    .addHelpText('after', examples('recon sim --port 8080 --seed 1', 'CAPITAL_ENV=custom CAPITAL_BASE_URL=http://127.0.0.1:8080 recon worker   # with the printed credentials'))
    .action(runSim);

  program
    .command('sim-books')
    .description("Export the simulator's internal books (the company's side) for an account and month")
    .option('--seed <n>', 'seed, as given to recon sim', parseNonNegativeInt, 1)
    .option('--accounts <n>', 'number of accounts, as given to recon sim', parsePositiveInt, 2)
    .option('--transactions-per-month <n>', 'volume, as given to recon sim', parsePositiveInt)
    .option('--account <id>', 'account id (default: the first)')
    .requiredOption('--period <YYYY-MM>', 'calendar month (UTC)', parsePeriod)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--differences', 'print the differences injected into these books instead (JSON)')
    .addHelpText('after', examples('recon sim-books --period 2025-01 --out books.csv && recon books import books.csv'))
    .action(runSimBooks);

  const books = program.command('books').description("The company's internal books, which reconciliation matches against the broker");
  books
    .command('import')
    .description('Import book entries from a CSV (header row) or JSON array file into MongoDB; re-importing is idempotent')
    .argument('<file>', 'a .csv or .json file of book entries')
    .addOption(new Option('--format <format>', 'file format (default: from the file name)').choices(['csv', 'json']))
    .option('--json', 'print the counts as JSON')
    .action(runBooksImport);

  program
    .command('statements')
    .description("Write a recorded run's statements (CSV, XLSX, PDF, JSON, hledger journal), trace.json and audit record; re-rendering gives the same bytes")
    .argument('<workflowId>', RUN_ID)
    .option('--out <dir>', 'statements directory (default RECON_STATEMENTS_DIR, out); the run gets its own sub-directory')
    .option('--format <list>', 'comma-separated formats (default: all)', parseFormats)
    .option('--csv-bom', 'start CSV files with a UTF-8 byte order mark, for Excel (first rendering of a run only: re-renders repeat what was recorded)')
    .option('--json', 'print the files and hashes as JSON')
    .addHelpText('after', examples('recon statements recon:123456:2025-01 --format pdf,csv --out /tmp/statements'))
    .action(runStatements);

  program
    .command('verify')
    .description("Check a run's statement files, the stored records behind them and the account's audit chain; exit 1 on any difference")
    .argument('<runOrDir>', 'a run\'s workflow id (its directory under RECON_STATEMENTS_DIR) or a directory of downloaded statement files')
    .option('--json', 'print the checks as JSON')
    .addHelpText('after', '\nWith MONGODB_URI it also re-derives the statement from the stored records and walks the audit chain; without, it checks the files against their audit record.' + examples('recon verify recon:123456:2025-01', 'recon verify ./jan --json'))
    .action(runVerify);

  const balances = program.command('balances').description("The broker's cash balance at instants: what proves each period's roll-forward");
  balances
    .command('capture')
    .description("Read the account's balance from Capital.com now and keep it (runs do this too; schedule it at month ends)")
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--json', 'print the snapshot as JSON')
    .action(runBalancesCapture);
  balances
    .command('import')
    .description('Import balances from broker statements: a JSON array of { accountId, at, cash, currency }')
    .argument('<file>', 'a JSON file, `cash` as a decimal string')
    .option('--json', 'print the counts as JSON')
    .action(runBalancesImport);
  balances
    .command('list')
    .description('List the balance snapshots of an account, oldest first')
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--json', 'print as JSON')
    .action(runBalancesList);

  const coa = program.command('coa').description('The chart of accounts and the posting rules that map every Capital.com transaction type');
  coa
    .command('import')
    .description('Validate a chart with its posting rules (JSON, as `coa export` writes it) and store it')
    .argument('<file>', 'a JSON file as `recon coa export` writes it')
    .option('--dry-run', 'validate only')
    .option('--json', 'print the outcome as JSON')
    .action(runCoaImport);
  coa
    .command('export')
    .description('Print the chart and rules in force as importable JSON (the shipped defaults until one is imported)')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--json', 'the same JSON (the output is JSON either way; accepted like on every read command)')
    .addHelpText('after', examples('recon coa export --out chart.json', 'recon coa import chart.json --dry-run'))
    .action(runCoaExport);

  program
    .command('config')
    .description('Show the effective configuration (secrets redacted) and every environment variable read')
    .option('--json', 'print as JSON')
    .action(runConfig);

  registerScheduleCommands(program);
  registerApiCommand(program);
  registerMonitorCommands(program);
  registerTradingCommands(program);
  registerStreamCommands(program);
  registerPricesCommands(program);
  registerSentimentCommands(program);
  registerChartCommands(program);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `recon … | head` closes our stdout early: that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

if (require.main === module) void main(process.argv);
