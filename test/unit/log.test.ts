import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../lib/log';
import { registerSecret } from '../../lib/redact';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

test('log lines never contain secrets, whatever shape they are logged in', () => {
  const { lines, destination } = capture();
  const log = createLogger({ level: 'debug', format: 'json', destination });
  registerSecret('cst-0123456789');
  registerSecret('api-key-abcdef');

  log.info({ headers: { CST: 'cst-0123456789', 'X-SECURITY-TOKEN': 'xst-value-1', 'X-CAP-API-KEY': 'api-key-abcdef' } }, 'request sent');
  log.warn('retrying after session token cst-0123456789 expired');
  log.error({ err: new Error('401 for key api-key-abcdef') }, 'login failed');
  log.child({ password: 'pw-000000' }).debug({ request: { body: { identifier: 'ops@example.com', password: 'pw-000000' } } }, 'login');

  const all = lines.join('\n');
  for (const secret of ['cst-0123456789', 'xst-value-1', 'api-key-abcdef', 'ops@example.com', 'pw-000000']) {
    assert.doesNotMatch(all, new RegExp(secret), `${secret} leaked`);
  }
  assert.equal(lines.length, 4);
  assert.equal(JSON.parse(lines[0] as string).msg, 'request sent');
  assert.match(lines[1] as string, /session token \[REDACTED\] expired/);
});
