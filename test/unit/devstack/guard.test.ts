import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { projectRoot } from '../../../lib/devstack/paths';
import { isAlive } from '../../../lib/devstack/lock';

const GUARD = path.join(projectRoot(), 'scripts', 'guard.sh');

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(50);
  }
  return condition();
}

/**
 * Starts a parent process that runs `sleep 600` under guard.sh; resolves with the sleep's pid,
 * which the guarded command writes to a file before it becomes `sleep`.
 */
async function parentWithGuardedSleep(): Promise<{ parent: ReturnType<typeof spawn>; sleeperPid: number }> {
  const pidFile = path.join(mkdtempSync(path.join(tmpdir(), 'recon-guard-')), 'pid');
  const script = `
    const { spawn } = require('node:child_process');
    spawn('sh', [${JSON.stringify(GUARD)}, 'sh', '-c', 'echo $$ > ${pidFile}; exec sleep 600'], { stdio: ['pipe', 'inherit', 'inherit'] });
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  const written = await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 5_000);
  assert.equal(written, true, 'the guarded command started');
  return { parent, sleeperPid: Number(readFileSync(pidFile, 'utf8').trim()) };
}

describe('guard.sh: servers never outlive the process that started them', () => {
  test('SIGKILL of the parent stops the guarded child', async () => {
    const { parent, sleeperPid } = await parentWithGuardedSleep();
    assert.equal(isAlive(sleeperPid), true);
    parent.kill('SIGKILL');
    assert.equal(await waitFor(() => !isAlive(sleeperPid), 5_000), true, 'the guarded child is gone within 5 s');
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
