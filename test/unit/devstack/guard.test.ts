import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { projectRoot } from '../../../lib/devstack/paths';

const GUARD = path.join(projectRoot(), 'scripts', 'guard.sh');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(50);
  }
  return condition();
}

/**
 * Starts a parent process that runs `sleep 600` under guard.sh and prints the pid of the sleep.
 */
async function parentWithGuardedSleep(): Promise<{ parent: ReturnType<typeof spawn>; sleeperPid: number }> {
  const script = `
    const { spawn, execSync } = require('node:child_process');
    const guard = spawn('sh', [${JSON.stringify(GUARD)}, 'sleep', '600'], { stdio: ['pipe', 'inherit', 'inherit'] });
    setTimeout(() => {
      const pid = execSync('pgrep -P ' + guard.pid + ' sleep').toString().trim().split('\\n')[0];
      process.stdout.write('SLEEPER ' + pid + '\\n');
    }, 300);
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sleeperPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    parent.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /SLEEPER (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    parent.once('exit', () => reject(new Error(`parent exited early: ${out}`)));
  });
  return { parent, sleeperPid };
}

describe('guard.sh: servers never outlive the process that started them', () => {
  test('SIGKILL of the parent stops the guarded child', async () => {
    const { parent, sleeperPid } = await parentWithGuardedSleep();
    assert.equal(alive(sleeperPid), true);
    parent.kill('SIGKILL');
    assert.equal(await waitFor(() => !alive(sleeperPid), 5_000), true, 'the guarded child is gone within 5 s');
  });

  test('SIGTERM to the guard stops the child and the guard exits', async () => {
    const guard = spawn('sh', [GUARD, 'sleep', '600'], { stdio: ['pipe', 'ignore', 'ignore'] });
    await sleep(300);
    const exited = new Promise<number | null>((resolve) => guard.once('exit', (code) => resolve(code)));
    guard.kill('SIGTERM');
    assert.equal(await exited, 143);
  });

  test("the child's own exit status comes through", async () => {
    const guard = spawn('sh', [GUARD, 'sh', '-c', 'exit 7'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const code = await new Promise<number | null>((resolve) => guard.once('exit', (c) => resolve(c)));
    assert.equal(code, 7);
  });
});
