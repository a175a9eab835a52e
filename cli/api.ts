import type { Command } from 'commander';
import { runApi } from '../api';
import { parsePortOrZero } from './parse';

/** `recon api`: the HTTP API (api/README.md) in the foreground until Ctrl-C. */
export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .description('Serve the HTTP API (runs, statements, ledger; OpenAPI at /openapi.json) against TEMPORAL_ADDRESS and MONGODB_URI until Ctrl-C')
    .option('--host <host>', 'interface to listen on (default RECON_API_HOST, 127.0.0.1)')
    .option('--port <port>', 'port (default RECON_API_PORT, 8088; 0 = any free one)', parsePortOrZero)
    .action(runApi);
}
