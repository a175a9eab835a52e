import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { Logger } from '../lib/log';

const PINO_METHOD: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Temporal's logger interface on top of pino (which redacts secrets on the way). */
export function temporalLoggerFor(log: Logger): TemporalLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => log[PINO_METHOD[level]](meta ?? {}, message);
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

let installed = false;

/**
 * Routes the SDK's logs and the native core's logs into pino. Must run before anything creates a
 * Temporal connection or worker in this process; later calls are no-ops.
 */
export function installTemporalRuntime(log: Logger): void {
  if (installed) return;
  Runtime.install({
    logger: temporalLoggerFor(log.child({ component: 'temporal-sdk' })),
    // Our entry points own SIGINT/SIGTERM: they stop the worker, then the stack, in that order.
    shutdownSignals: [],
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
    },
  });
  installed = true;
}
