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
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { name, unit, median: round(median), min: round(sorted[0] as number), max: round(sorted[sorted.length - 1] as number), runs: runs.map(round) };
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
