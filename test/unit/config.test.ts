import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, ENV_VARS, loadConfig, secretValues } from '../../lib/config';

const HOME = { HOME: '/home/ops' };

describe('configuration from environment variables and an optional file', () => {
  test('defaults when nothing is set', () => {
    const config = loadConfig(HOME);
    assert.equal(config.temporal.namespace, 'capital-recon');
    assert.equal(config.temporal.taskQueue, 'recon');
    assert.equal(config.temporal.address, undefined);
    assert.equal(config.mongo.database, 'capital_recon');
    assert.equal(config.capital.environment, 'demo');
    assert.equal(config.log.level, 'info');
    assert.equal(config.cacheDir, '/home/ops/.cache/capital-recon');
  });

  test('environment variables are read and coerced', () => {
    const config = loadConfig({ ...HOME, TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_UI_PORT: '9000', MONGODB_DB: 'books', XDG_CACHE_HOME: '/var/cache' });
    assert.equal(config.temporal.address, 'temporal:7233');
    assert.equal(config.temporal.uiPort, 9000);
    assert.equal(config.mongo.database, 'books');
    assert.equal(config.cacheDir, '/var/cache/capital-recon');
  });

  test('a bad value names the variable and the reason', () => {
    assert.throws(() => loadConfig({ ...HOME, TEMPORAL_UI_PORT: 'abc' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /TEMPORAL_UI_PORT/);
      return true;
    });
    assert.throws(() => loadConfig({ ...HOME, LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
    assert.throws(() => loadConfig({ ...HOME, MONGODB_DB: 'a b' }), /MONGODB_DB.*letters, digits/);
    assert.throws(() => loadConfig({ ...HOME, CAPITAL_ENV: 'custom' }), /CAPITAL_BASE_URL: required when CAPITAL_ENV=custom/);
  });

  test('blank variables count as unset', () => {
    assert.equal(loadConfig({ ...HOME, TEMPORAL_ADDRESS: '  ' }).temporal.address, undefined);
  });

  test('a config file is read, and the environment wins over it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'recon-config-'));
    const file = path.join(dir, 'recon.json');
    writeFileSync(file, JSON.stringify({ temporal: { namespace: 'from-file', taskQueue: 'q-file' } }));
    const config = loadConfig({ ...HOME, RECON_CONFIG_FILE: file, TEMPORAL_TASK_QUEUE: 'q-env' });
    assert.equal(config.temporal.namespace, 'from-file');
    assert.equal(config.temporal.taskQueue, 'q-env');
  });

  test('an unreadable or invalid config file is a clear error', () => {
    assert.throws(() => loadConfig({ ...HOME, RECON_CONFIG_FILE: '/nonexistent/recon.json' }), /Cannot read RECON_CONFIG_FILE/);
    const dir = mkdtempSync(path.join(tmpdir(), 'recon-config-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '[1,2]');
    assert.throws(() => loadConfig({ ...HOME, RECON_CONFIG_FILE: file }), /is not valid: expected a JSON object/);
  });

  test('secret values are collected for masking, and only secrets', () => {
    const config = loadConfig({ ...HOME, CAPITAL_API_KEY: 'key-123456', CAPITAL_PASSWORD: 'hunter2!', TEMPORAL_NAMESPACE: 'ns-visible' });
    assert.deepEqual(secretValues(config).sort(), ['hunter2!', 'key-123456']);
  });

  test('a worker heap budget below 128 MB (other than 0, no budget) is refused', () => {
    assert.throws(() => loadConfig({ ...HOME, RECON_WORKER_HEAP_MB: '64' }), /RECON_WORKER_HEAP_MB/);
    assert.equal(loadConfig({ ...HOME, RECON_WORKER_HEAP_MB: '0' }).worker.heapMb, 0);
    assert.equal(loadConfig({ ...HOME }).worker.heapMb, 256);
  });

  test('an alert webhook without its signing secret is refused', () => {
    assert.throws(() => loadConfig({ ...HOME, RECON_ALERT_WEBHOOK_URL: 'https://hooks.example.test/recon' }), /RECON_ALERT_WEBHOOK_SECRET: required/);
    assert.equal(loadConfig({ ...HOME, RECON_ALERT_WEBHOOK_URL: 'https://hooks.example.test/recon', RECON_ALERT_WEBHOOK_SECRET: 's3cret-value' }).trading.alertWebhookSecret, 's3cret-value');
  });

  test('every documented variable maps to a field of the schema', () => {
    for (const variable of ENV_VARS) {
      const value = variable.name.endsWith('_URL') ? 'https://example.test' : variable.name === 'CAPITAL_ENV' ? 'live' : variable.name === 'LOG_LEVEL' ? 'warn' : /(PORT|_MB|_DAYS)$/.test(variable.name) ? '1234' : 'x1';
      // A webhook URL needs its signing secret.
      const config = loadConfig({ ...HOME, RECON_ALERT_WEBHOOK_SECRET: 'x1', [variable.name]: value }) as unknown as Record<string, Record<string, unknown>>;
      const [section, key] = variable.path;
      const actual = key === undefined ? config[section] : config[section]?.[key];
      assert.equal(String(actual), value, variable.name);
    }
  });
});
