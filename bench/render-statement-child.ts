/**
 * One statement format rendered from the sample statement of N lines, in its own process so its
 * peak RSS is its own: `tsx bench/render-statement-child.ts <format> <lines> <dir>`. Prints JSON.
 */
import { STATEMENT_FORMATS, type StatementFormat } from '../lib/statements/formats';
import { sampleStatement } from '../lib/statements/sample';

async function main(): Promise<void> {
  const [format, lines, dir] = process.argv.slice(2) as [StatementFormat, string, string];
  const render = STATEMENT_FORMATS[format];
  if (!render) throw new Error(`unknown format ${format}`);
  const started = performance.now();
  const artifacts = await render(sampleStatement(Number(lines)), dir, `bench-${format}`, {});
  const seconds = (performance.now() - started) / 1000;
  // maxRSS is in kilobytes: the process's peak resident set, start-up included.
  console.log(JSON.stringify({ format, lines: Number(lines), seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, bytes: artifacts.reduce((n, a) => n + a.bytes, 0) }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
