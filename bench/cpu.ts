import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds used by whole process trees (a process and every descendant, including those that
 * have exited and been waited for), sampled over time, so a benchmark can say which process
 * (worker, simulator, database, Temporal) spent the time of each stage. On a 2-core machine that
 * is the difference between "our code got slower" and "the broker simulator took a core".
 *
 * Linux only (reads /proc); elsewhere `cpuAccountingAvailable` is false and no figure is reported.
 */

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  ticks: number;
}

/** `/proc/<pid>/stat`: the command name is in parentheses and may hold spaces, so fields are counted after the last `)`. */
export function parseProcStat(text: string): ProcStat | undefined {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [ppid, utime, stime, cutime, cstime] = [1, 11, 12, 13, 14].map((i) => Number(fields[i]));
  if ([ppid, utime, stime, cutime, cstime].some((n) => !Number.isFinite(n))) return undefined;
  return { ppid: ppid as number, ticks: (utime as number) + (stime as number) + (cutime as number) + (cstime as number) };
}

function readProcesses(): Map<number, ProcStat> {
  const processes = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat) processes.set(Number(entry), stat);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return processes;
}

/** CPU seconds of each root's tree, from one snapshot of the process table. */
export function treeCpuSeconds(processes: ReadonlyMap<number, ProcStat>, roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, stat] of processes) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  return roots.map((root) => {
    let ticks = 0;
    const pending = [root];
    for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
      ticks += processes.get(pid)?.ticks ?? 0;
      pending.push(...(children.get(pid) ?? []));
    }
    return ticks / TICKS_PER_SECOND;
  });
}

export const cpuAccountingAvailable = (() => {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
})();

type Sample = [atMs: number, seconds: number[]];

/** Samples the CPU seconds of named process trees every `everyMs` until stopped. */
export class CpuSampler {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly processes: Record<string, number>,
    everyMs = 1000,
  ) {
    if (!cpuAccountingAvailable) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs).unref();
  }

  /** A tree's CPU never goes down: once a process has gone (exited and reaped), its last reading stands. */
  private sample(): void {
    const previous = this.samples[this.samples.length - 1]?.[1];
    const now = treeCpuSeconds(readProcesses(), Object.values(this.processes));
    this.samples.push([Date.now(), now.map((seconds, i) => Math.max(seconds, previous?.[i] ?? 0))]);
  }

  /** Takes a last sample; later calls do nothing. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  /** Each process's CPU seconds between the samples nearest `fromMs` and `toMs`; empty when nothing was sampled. */
  secondsBetween(fromMs: number, toMs: number): Record<string, number> {
    const at = (ms: number) => this.samples.reduce<Sample | undefined>((best, s) => (best === undefined || Math.abs(s[0] - ms) < Math.abs(best[0] - ms) ? s : best), undefined);
    const [from, to] = [at(fromMs), at(toMs)];
    if (!from || !to) return {};
    return Object.fromEntries(Object.keys(this.processes).map((name, i) => [name, (to[1][i] as number) - (from[1][i] as number)]));
  }

  /** Over everything sampled. */
  total(): Record<string, number> {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    return first && last ? this.secondsBetween(first[0], last[0]) : {};
  }
}
