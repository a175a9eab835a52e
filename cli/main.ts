import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../lib/config';
import { codeVersion } from '../lib/version';
import { maskSecrets } from '../lib/redact';
import { runCheck } from './check';
import { runConfig } from './config';
import { runDev } from './dev';
import { EXIT, UserError } from './errors';
import { runWorker } from './worker';


export function buildProgram(): Command {
  const program = new Command('recon')
    .description('capital-recon: Capital.com account reconciliation on Temporal')
    .version(codeVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run `recon --help` for usage)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 usage error.\nConfiguration comes from environment variables; `recon config` lists them.');

  program
    .command('dev')
    .description('Start Temporal (with its Web UI), the database and a worker in the foreground; Ctrl-C stops all of it')
    .option('--port <port>', 'Temporal gRPC port (default 7233, or a free one if taken)', parsePort)
    .option('--ui-port <port>', 'Temporal Web UI port (default 8233, or a free one if taken)', parsePort)
    .option('--mongo-port <port>', 'database port (default 27017, or a free one if taken)', parsePort)
    .option('--no-ui', 'run Temporal without its Web UI')
    .addOption(new Option('--persist [dir]', 'keep Temporal and database state across restarts (default dir .recon/dev)').preset('.recon/dev'))
    .action(runDev);

  program
    .command('worker')
    .description('Run the recon worker against TEMPORAL_ADDRESS and MONGODB_URI until Ctrl-C')
    .action(runWorker);

  program
    .command('check')
    .description('Run a self-check workflow end to end: Temporal → worker → database write and read-back')
    .option('--timeout <seconds>', 'how long to wait for the workflow', parsePositiveInt, 30)
    .option('--json', 'print the result as JSON')
    .action(runCheck);

  program
    .command('config')
    .description('Show the effective configuration (secrets redacted) and every environment variable read')
    .option('--json', 'print as JSON')
    .action(runConfig);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage; // commander has printed the message already
  }
  if (error instanceof ConfigError) {
    console.error(`recon: ${maskSecrets(error.message)}`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`recon: ${maskSecrets(message)}`);
  if (!(error instanceof UserError) && process.env.RECON_DEBUG && error instanceof Error) console.error(maskSecrets(error.stack ?? ''));
  return EXIT.failure;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`'${value}' is not a port number (1-65535)`);
  return port;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  return n;
}

if (require.main === module) void main(process.argv);
