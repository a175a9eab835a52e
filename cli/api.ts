import type { Command } from 'commander';
import { runApi } from '../api';
import { connectDatabase, connectTemporal } from './connections';
import { parsePortOrZero } from './parse';

/** `recon api`: the HTTP API (api/README.md) in the foreground until Ctrl-C. */
export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .description('Serve the HTTP API (runs, statements, ledger; OpenAPI at /openapi.json) against TEMPORAL_ADDRESS and MONGODB_URI until Ctrl-C')
    .option('--host <host>', 'interface to listen on (default RECON_API_HOST, 127.0.0.1)')
    .option('--port <port>', 'port (default RECON_API_PORT, 8088; 0 = any free one)', parsePortOrZero)
    .addHelpText('after', [
      '',
      'Needs RECON_API_TOKENS (name:token:scope+scope, comma-separated; see api/README.md) and MONGODB_URI.',
      'Example:',
      '  export RECON_API_TOKENS="ops:$(openssl rand -hex 32):runs:read+runs:write+statements:read+ledger:read"',
      '  recon api --port 8088',
      '  curl -s -H "Authorization: Bearer <token>" http://127.0.0.1:8088/runs',
    ].join('\n'))
    .action((options: { host?: string; port?: number }) => runApi(options, { temporal: connectTemporal, database: (config) => connectDatabase(config, 'recon api') }));
}
