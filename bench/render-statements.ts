import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { STATEMENT_FORMATS, type StatementFormat } from '../lib/statements/formats';
import { figure, type Figure } from './harness';
import type { BenchContext } from './run';

const run = promisify(execFile);

interface ChildResult {
  seconds: number;
  peakRssMb: number;
  bytes: number;
}

async function renderOnce(format: StatementFormat, lines: number, dir: string): Promise<ChildResult> {
  const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  const { stdout } = await run(tsx, [path.join(__dirname, 'render-statement-child.ts'), format, String(lines), dir], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ChildResult;
}

/**
 * Every statement format rendered from a synthetic statement of --transactions lines (time and
 * the renderer's peak RSS, each in its own process), and of a tenth as many: flat memory means
 * the peak RSS barely moves between the two.
 */
export async function renderStatements(ctx: BenchContext): Promise<Figure[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'recon-bench-statements-'));
  const figures: Figure[] = [];
  try {
    for (const format of Object.keys(STATEMENT_FORMATS) as StatementFormat[]) {
      for (const lines of [Math.max(1, Math.round(ctx.transactions / 10)), ctx.transactions]) {
        const results: ChildResult[] = [];
        for (let i = 0; i < ctx.runs; i++) results.push(await renderOnce(format, lines, dir));
        figures.push(figure(`${format} ${lines} lines`, 's', results.map((r) => r.seconds)));
        figures.push(figure(`${format} ${lines} lines peak RSS`, 'MB', results.map((r) => r.peakRssMb)));
        ctx.log.info({ format, lines, bytes: results[0]?.bytes }, 'rendered');
      }
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
