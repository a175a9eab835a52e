import { cpus, totalmem } from 'node:os';

/** One measured figure over several runs: median with min and max (the machine is noisy). */
export interface Figure {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function figure(name: string, unit: string, runs: number[]): Figure {
  const sorted = [...runs].sort((a, b) => a - b);
  return { name, unit, median: round(median(runs)), min: round(sorted[0] as number), max: round(sorted[sorted.length - 1] as number), runs: runs.map(round) };
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export function machineDescription() {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpuCount: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function formatFigure(f: Figure): string {
  return `${f.name.padEnd(44)} ${String(f.median).padStart(12)} ${f.unit.padEnd(8)} (min ${f.min}, max ${f.max}, n=${f.runs.length})`;
}

/** Figures collected run by run under their names, in the order first added. */
export class Measurements {
  readonly series = new Map<string, { unit: string; runs: number[] }>();
  add(name: string, unit: string, value: number): void {
    const entry = this.series.get(name) ?? { unit, runs: [] };
    entry.runs.push(value);
    this.series.set(name, entry);
  }
  figures(names: string[]): Figure[] {
    return names.flatMap((name) => {
      const entry = this.series.get(name);
      return entry ? [figure(name, entry.unit, entry.runs)] : [];
    });
  }
  figuresStartingWith(prefix: string): Figure[] {
    return this.figures([...this.series.keys()].filter((name) => name.startsWith(prefix)));
  }
}
