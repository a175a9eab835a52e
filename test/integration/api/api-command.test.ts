import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { projectRoot } from '../../../lib/devstack/paths';
import type { MongoHandle } from '../../../lib/store/mongo';
import { openTestDatabase, testStack } from '../../helpers/stack';

const TOKEN = 'cli-'.padEnd(48, 'c');

describe('recon api, as an operator starts it', () => {
  let mongo: MongoHandle;
  let child: ReturnType<typeof spawn>;
  let output = '';

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'api_cli');
    child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'recon.js'), 'api', '--port', '0'], {
      env: { ...process.env, MONGODB_DB: mongo.db.databaseName, RECON_API_TOKENS: `ops:${TOKEN}:runs:read`, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });

  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await mongo?.close();
  });

  test('listens, answers with the configured tokens, logs requests without them, and stops on Ctrl-C', async () => {
    const deadline = Date.now() + 30_000;
    let address: string | undefined;
    while (!address && Date.now() < deadline && child.exitCode === null) {
      address = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (!address) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(address, `no address announced:\n${output}`);

    const ready = await fetch(`${address}/readyz`);
    assert.equal(ready.status, 200, await ready.clone().text());
    assert.equal((await fetch(`${address}/runs?limit=1`)).status, 401);
    const runs = await fetch(`${address}/runs?limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(runs.status, 200, await runs.clone().text());
    assert.equal((await fetch(`${address}/openapi.json`)).status, 200);

    child.kill('SIGINT');
    await once(child, 'exit');
    assert.match(output, /"client":"ops"/);
    assert.ok(!output.includes(TOKEN), 'the token is not in the output');
  });
});
