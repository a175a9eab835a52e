import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maskSecrets, REDACTED, redact, registerSecret } from '../../lib/redact';

describe('redaction of secrets', () => {
  test('values under secret keys are replaced at any depth and in any case', () => {
    const input = {
      headers: { 'X-SECURITY-TOKEN': 'tok', CST: 'cst-value', 'X-CAP-API-KEY': 'k', Authorization: 'Bearer abc' },
      body: { identifier: 'ops@example.com', password: 'p', nested: [{ apiKey: 'a', note: 'kept' }] },
      userPassword: 'x',
    };
    assert.deepEqual(redact(input), {
      headers: { 'X-SECURITY-TOKEN': REDACTED, CST: REDACTED, 'X-CAP-API-KEY': REDACTED, Authorization: REDACTED },
      body: { identifier: REDACTED, password: REDACTED, nested: [{ apiKey: REDACTED, note: 'kept' }] },
      userPassword: REDACTED,
    });
  });

  test('the input is not modified', () => {
    const input = { password: 'p' };
    redact(input);
    assert.equal(input.password, 'p');
  });

  test('registered secret values are masked inside any string', () => {
    registerSecret('S3cr3t-session-token');
    assert.equal(maskSecrets('GET /ping with token S3cr3t-session-token failed'), `GET /ping with token ${REDACTED} failed`);
    assert.deepEqual(redact({ message: 'token=S3cr3t-session-token', list: ['S3cr3t-session-token'] }), {
      message: `token=${REDACTED}`,
      list: [REDACTED],
    });
  });

  test('short values are not registered, so ordinary words are never masked', () => {
    registerSecret('abc');
    assert.equal(maskSecrets('abc def'), 'abc def');
  });

  test('errors keep their message and stack, masked', () => {
    registerSecret('leaky-api-key-42');
    const error = Object.assign(new Error('login failed for leaky-api-key-42'), { code: 'E1', password: 'p' });
    const copy = redact(error) as Record<string, unknown>;
    assert.equal(copy.type, 'Error');
    assert.equal(copy.message, `login failed for ${REDACTED}`);
    assert.equal(copy.code, 'E1');
    assert.equal(copy.password, REDACTED);
    assert.doesNotMatch(String(copy.stack), /leaky-api-key-42/);
  });

  test('cycles and depth are bounded', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    assert.deepEqual(redact(cyclic), { name: 'a', self: '[Circular]' });
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i++) deep = { inner: deep };
    assert.match(JSON.stringify(redact(deep)), /\[Truncated\]/);
  });
});
