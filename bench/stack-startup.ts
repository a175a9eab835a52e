import { startDevStack } from '../lib/devstack';
import type { BenchContext } from './run';
import { figure, type Figure } from './harness';

/** Seconds from nothing to a Temporal server and a database that answer (binaries cached). */
export async function stackStartup(ctx: BenchContext): Promise<Figure[]> {
  const seconds: number[] = [];
  const config = { ...ctx.config, temporal: { ...ctx.config.temporal, address: undefined }, mongo: { ...ctx.config.mongo, uri: undefined } };
  for (let i = 0; i < ctx.runs; i++) {
    const started = performance.now();
    const stack = await startDevStack({ config, log: ctx.log, ui: false });
    seconds.push((performance.now() - started) / 1000);
    await stack.stop();
  }
  return [figure('dev stack ready (Temporal + database)', 's', seconds)];
}
