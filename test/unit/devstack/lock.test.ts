import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { withFileLock } from '../../../lib/devstack/lock';

const dir = () => mkdtempSync(path.join(tmpdir(), 'recon-lock-'));

describe('the machine-wide build lock', () => {
  test('two holders never overlap: the second waits for the first', async () => {
    const lock = path.join(dir(), 'build-x');
    const events: string[] = [];
    let waited = false;
    const first = withFileLock(lock, { timeoutMs: 5_000 }, async () => {
      events.push('first start');
      await sleep(300);
      events.push('first end');
    });
    await sleep(20);
    const second = withFileLock(lock, { timeoutMs: 5_000, onWait: () => (waited = true) }, async () => {
      events.push('second start');
    });
    await Promise.all([first, second]);
    assert.deepEqual(events, ['first start', 'first end', 'second start']);
    assert.equal(waited, true);
  });

  test('a lock left by a dead process is taken over', async () => {
    const lock = path.join(dir(), 'build-y');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'owner'), dead);
    assert.equal(await withFileLock(lock, { timeoutMs: 2_000 }, async () => 'ran'), 'ran');
  });

  test('a lock held by a live process times out with a clear error', async () => {
    const lock = path.join(dir(), 'build-z');
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'owner'), String(process.ppid));
    await assert.rejects(withFileLock(lock, { timeoutMs: 300 }, async () => 'never'), /Timed out after 300 ms waiting for lock .* \(held by pid \d+\)/);
  });

  test('the lock is released when the work throws', async () => {
    const lock = path.join(dir(), 'build-w');
    await assert.rejects(withFileLock(lock, { timeoutMs: 1_000 }, async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await withFileLock(lock, { timeoutMs: 1_000 }, async () => 'again'), 'again');
  });
});
