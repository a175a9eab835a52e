import { createLogger } from '../lib/log';
import { startSimulator, SIMULATOR_DEFAULT_CREDENTIALS } from '../simulator';
import { stopOnSignals } from '../lib/devstack';

export interface SimCommandOptions {
  host: string;
  port: number;
  seed: number;
  accounts: number;
  transactionsPerMonth: number;
  apiKey?: string;
  identifier?: string;
  password?: string;
  sessionIdleMinutes: number;
  sessionHardLifetimeMinutes: number;
  transactionsRowCap?: number;
  transactionsMaxRangeDays?: number;
  confirmDelayMs: number;
  quotesPerSecond: number;
  fault5xx: number;
  fault429: number;
  faultLeaked: number;
  faultTruncated: number;
  faultInvalidateEvery: number;
  faultSlowMs: number;
  faultLateAnswerMs: number;
  faultDropStreamsEveryMs: number;
  faultSilentFeed?: boolean;
  json?: boolean;
}

/** `recon sim`: the Capital.com simulator in the foreground until Ctrl-C. */
export async function runSim(options: SimCommandOptions): Promise<void> {
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  const credentials = {
    apiKey: options.apiKey ?? SIMULATOR_DEFAULT_CREDENTIALS.apiKey,
    identifier: options.identifier ?? SIMULATOR_DEFAULT_CREDENTIALS.identifier,
    password: options.password ?? SIMULATOR_DEFAULT_CREDENTIALS.password,
  };
  const simulator = await startSimulator({
    host: options.host,
    port: options.port,
    seed: options.seed,
    accountCount: options.accounts,
    transactionsPerMonth: options.transactionsPerMonth,
    credentials,
    session: { idleTimeoutMs: options.sessionIdleMinutes * 60_000, hardLifetimeMs: options.sessionHardLifetimeMinutes * 60_000 },
    history: {
      ...(options.transactionsRowCap ? { transactionsRowCap: options.transactionsRowCap } : {}),
      ...(options.transactionsMaxRangeDays ? { transactionsMaxRangeMs: options.transactionsMaxRangeDays * 86_400_000 } : {}),
    },
    confirmDelayMs: options.confirmDelayMs,
    quotesPerSecond: options.quotesPerSecond,
    faults: {
      serverErrorRate: options.fault5xx,
      rateLimitRate: options.fault429,
      leakedExceptionRate: options.faultLeaked,
      truncatedBodyRate: options.faultTruncated,
      invalidateSessionEvery: options.faultInvalidateEvery,
      slowResponseMs: options.faultSlowMs,
      lateAnswerMs: options.faultLateAnswerMs,
      dropStreamsEveryMs: options.faultDropStreamsEveryMs,
      silentFeed: Boolean(options.faultSilentFeed),
    },
    log,
  });
  stopOnSignals(() => simulator.close(), log);

  const accounts = simulator.accounts();
  if (options.json) {
    console.log(JSON.stringify({ restBaseUrl: simulator.restBaseUrl, streamingUrl: simulator.streamingUrl, credentials, accounts }, null, 2));
    return;
  }
  const base = simulator.restBaseUrl;
  console.log(
    [
      '',
      `Capital.com simulator (seed ${options.seed}) listening`,
      `  REST       ${base}`,
      `  WebSocket  ${simulator.streamingUrl}`,
      `  Admin      ${simulator.url}/__admin/{stats,faults,clock/advance,sessions/invalidate}`,
      `  API key    ${credentials.apiKey}`,
      `  Login      ${credentials.identifier} / ${credentials.password}`,
      `  Accounts   ${accounts.map((a) => `${a.accountId} (${a.currency}, ${a.transactionsPerMonth}/month)`).join(', ')}`,
      '',
      'Try:',
      `  curl -si -X POST ${base}/session -H 'X-CAP-API-KEY: ${credentials.apiKey}' -H 'Content-Type: application/json' \\`,
      `       -d '{"identifier":"${credentials.identifier}","password":"${credentials.password}"}'`,
      `  curl -s '${base}/history/transactions?from=2025-01-01T00:00:00&to=2025-01-02T00:00:00' -H "CST: <CST header>" -H "X-SECURITY-TOKEN: <X-SECURITY-TOKEN header>"`,
      '',
      'Point the project at it with CAPITAL_ENV=custom CAPITAL_BASE_URL=' + simulator.url + ' and the credentials above. Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
}
