import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { cpuAccountingAvailable, CpuSampler, parseProcStat, treeCpuSeconds } from '../../bench/cpu';

describe('bench CPU accounting', () => {
  it('reads a /proc stat line whose command name holds spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
    const line = '4242 (node (my worker)) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 11 0';
    assert.deepEqual(parseProcStat(line), { ppid: 17, ticks: 250 + 50 + 30 + 20 });
    assert.equal(parseProcStat('4242 (x) S'), undefined);
  });

  it('charges a tree with every descendant and nothing else', () => {
    const processes = new Map([
      [1, { ppid: 0, ticks: 1000 }],
      [10, { ppid: 1, ticks: 100 }], // the launcher
      [11, { ppid: 10, ticks: 250 }], // the relaunched worker
      [12, { ppid: 11, ticks: 50 }], // its helper
      [20, { ppid: 1, ticks: 400 }], // another server
    ]);
    assert.deepEqual(treeCpuSeconds(processes, [10, 20, 99]), [4, 4, 0]);
  });

  it('measures the CPU a child process burns, and keeps it once the child has gone', async () => {
    assert.ok(cpuAccountingAvailable, 'this test runs where /proc is (Linux, as CI)');
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 600; while (Date.now() < end);']);
    const sampler = new CpuSampler({ child: child.pid as number }, 50);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 120));
    sampler.stop(); // the child is gone by now: its last reading stands
    const { child: seconds } = sampler.total();
    assert.ok(seconds !== undefined && seconds >= 0.3, `expected at least 0.3 CPU seconds, got ${seconds}`);
  });
});
