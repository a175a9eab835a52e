import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeat, keepAlive } from '../../../activities/heartbeat';

test('a slow step keeps heartbeating with the latest progress details', async () => {
  const env = new MockActivityEnvironment();
  const beats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => beats.push(details));
  const result = await env.run(() =>
    keepAlive(async () => {
      heartbeat({ rows: 5 });
      await sleep(120); // a database read that returns nothing for a while
      return 'done';
    }, 20),
  );
  assert.equal(result, 'done');
  assert.ok(beats.length >= 4, `${beats.length} heartbeats`);
  assert.ok(beats.every((details) => JSON.stringify(details) === JSON.stringify({ rows: 5 })), JSON.stringify(beats));
});

test('an attempt Temporal gave up on stops instead of racing its retry', async () => {
  const env = new MockActivityEnvironment();
  let finished = false;
  const running = env.run(() =>
    keepAlive(async () => {
      await sleep(500);
      finished = true;
    }, 20),
  );
  await sleep(50);
  env.cancel('TIMED_OUT');
  await assert.rejects(running, CancelledFailure);
  assert.equal(finished, false);
});

test('outside an activity it just runs the work', async () => {
  assert.equal(await keepAlive(async () => 42, 10), 42);
});
