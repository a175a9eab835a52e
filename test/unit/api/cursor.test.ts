import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CursorError, decodeCursor, encodeCursor, queryFingerprint } from '../../../api/http/cursor';

describe('page cursors', () => {
  const fingerprint = queryFingerprint({ list: 'transactions', accountId: 'A1', fromMs: 1, toMs: undefined });

  test('round-trip the sort key of the last row, as opaque url-safe text', () => {
    const cursor = encodeCursor([1735689600123, 'capital:A1:REF:DEPOSIT:0'], fingerprint);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(cursor, fingerprint), [1735689600123, 'capital:A1:REF:DEPOSIT:0']);
  });

  test('the fingerprint ignores field order and tells queries apart', () => {
    assert.equal(queryFingerprint({ b: 2, a: 1 }), queryFingerprint({ a: 1, b: 2 }));
    assert.notEqual(queryFingerprint({ accountId: 'A1' }), queryFingerprint({ accountId: 'A2' }));
    assert.equal(queryFingerprint({ a: undefined }), queryFingerprint({ a: null }));
  });

  test('a cursor from another query is refused', () => {
    const cursor = encodeCursor([5, 'x'], fingerprint);
    assert.throws(() => decodeCursor(cursor, queryFingerprint({ list: 'transactions', accountId: 'A2' })), (e: Error) => e instanceof CursorError && /other parameters/.test(e.message));
  });

  for (const [label, cursor] of [
    ['not base64url', 'abc$%'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['another version', Buffer.from(JSON.stringify({ v: 2, after: [1], q: fingerprint })).toString('base64url')],
    ['no key', Buffer.from(JSON.stringify({ v: 1, after: [], q: fingerprint })).toString('base64url')],
    ['an object key', Buffer.from(JSON.stringify({ v: 1, after: [{ $gt: 1 }], q: fingerprint })).toString('base64url')],
    ['too long', 'a'.repeat(5000)],
  ] as const) {
    test(`garbage is refused: ${label}`, () => {
      assert.throws(() => decodeCursor(cursor, fingerprint), CursorError);
    });
  }
});
