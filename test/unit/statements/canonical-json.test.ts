import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalJson } from '../../../lib/statements/canonical-json';
import { GENESIS_HASH, linkHash } from '../../../lib/store/audit-chain';

describe('canonical JSON', () => {
  test('keys are sorted at every depth, undefined members dropped, arrays keep their order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, 1, { z: true, y: null }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[3,1,{"y":null,"z":true}]},"b":1}');
  });

  test('the same content built in a different order gives the same text', () => {
    const one = { runId: 'r', artifacts: [{ file: 'a.csv', sha256: '1' }], period: '2025-01' };
    const two = { period: '2025-01', artifacts: [{ sha256: '1', file: 'a.csv' }], runId: 'r' };
    assert.equal(canonicalJson(one), canonicalJson(two));
  });

  test('dates as ISO text, big integers as decimal text, non-finite numbers refused', () => {
    assert.equal(canonicalJson({ at: new Date(Date.UTC(2025, 0, 1)), n: 12345678901234567890n }), '{"at":"2025-01-01T00:00:00.000Z","n":"12345678901234567890"}');
    assert.throws(() => canonicalJson({ x: Number.NaN }), /non-finite/);
  });
});

describe('audit chain link hash', () => {
  test('depends on the previous hash and on every byte of the record', () => {
    const record = { kind: 'statements', runId: 'recon:1:2025-01' };
    const first = linkHash(GENESIS_HASH, record);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(linkHash(GENESIS_HASH, { runId: 'recon:1:2025-01', kind: 'statements' }), first);
    assert.notEqual(linkHash(first, record), first);
    assert.notEqual(linkHash(GENESIS_HASH, { ...record, runId: 'recon:1:2025-02' }), first);
  });
});
