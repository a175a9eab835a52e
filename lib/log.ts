import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { maskSecrets, redact } from './redact';

export type { Logger } from 'pino';

export interface LogOptions {
  level?: string;
  /** `pretty` for people at a terminal, `json` for machines; default: pretty when stderr is a TTY. */
  format?: 'pretty' | 'json';
  /** Where log lines go; default stderr, so command output on stdout stays clean. */
  destination?: NodeJS.WritableStream;
}

/**
 * The project's logger. Every argument passes through redaction before pino sees it, so secrets
 * under known keys (password, CST, X-SECURITY-TOKEN, API key, Authorization) and registered secret
 * values never reach a log line, whatever shape the logged object has.
 */
export function createLogger(options: LogOptions = {}): Logger {
  const format = options.format ?? (options.destination || process.env.LOG_FORMAT === 'json' || !process.stderr.isTTY ? 'json' : 'pretty');
  const destination =
    format === 'pretty'
      ? pretty({ destination: 2, sync: true, colorize: Boolean(process.stderr.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : (options.destination ?? pino.destination({ fd: 2, sync: true }));
  const logger = pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((arg) => (typeof arg === 'string' ? maskSecrets(arg) : redact(arg)));
          return method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  return withRedactedBindings(logger);
}

/** Child bindings bypass the log-method hook, so children redact their bindings themselves. */
function withRedactedBindings(logger: Logger): Logger {
  const makeChild = logger.child.bind(logger) as unknown as (bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;
  const child = (bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => withRedactedBindings(makeChild(redact(bindings) as pino.Bindings, options));
  logger.child = child as unknown as Logger['child'];
  return logger;
}

let rootLogger: Logger | undefined;

/** The process-wide logger, created on first use. */
export function log(): Logger {
  rootLogger ??= createLogger();
  return rootLogger;
}

export function setRootLogger(logger: Logger): void {
  rootLogger = logger;
}
