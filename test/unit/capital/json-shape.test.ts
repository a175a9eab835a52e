import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shapeDifferences } from '../../helpers/json-shape';

describe('json shape comparison (simulator responses vs official examples)', () => {
  test('same keys and types with different values: no differences', () => {
    const expected = { transactions: [{ size: '-80.43', dateUtc: '2022-04-04T16:51:05.648', dealId: 'a' }], ok: true };
    const actual = { transactions: [{ size: '1.05', dateUtc: '2023-01-01T00:00:00.000', dealId: 'b' }], ok: false };
    assert.deepEqual(shapeDifferences(expected, actual), []);
  });

  test('a missing key and an extra key are both named with their path', () => {
    const expected = { position: { dealId: 'x', level: 1.5 } };
    const actual = { position: { dealId: 'x', levl: 1.5 } };
    assert.deepEqual(shapeDifferences(expected, actual), ['position.level: missing', 'position.levl: unexpected key']);
  });

  test('a number where the example has a string is a type mismatch', () => {
    const differences = shapeDifferences({ transactions: [{ size: '-80.43' }] }, { transactions: [{ size: -80.43 }] });
    assert.deepEqual(differences, ['transactions.0.size: expected string, got number']);
  });

  test('null against a value counts as a mismatch, both ways', () => {
    assert.deepEqual(shapeDifferences({ stopLevel: 20 }, { stopLevel: null }), ['stopLevel: expected number, got null']);
    assert.deepEqual(shapeDifferences({ stopLevel: null }, { stopLevel: 20 }), ['stopLevel: expected null, got number']);
  });

  test('every actual array element is compared with the first expected element', () => {
    const expected = { markets: [{ epic: 'SILVER', bid: 24.2 }, { other: true }] };
    const actual = { markets: [{ epic: 'A', bid: 1 }, { epic: 'B', bid: '2' }, { epic: 'C' }] };
    assert.deepEqual(shapeDifferences(expected, actual), ['markets.1.bid: expected number, got string', 'markets.2.bid: missing']);
  });

  test('an empty expected array accepts any elements; an empty actual array has none to check', () => {
    assert.deepEqual(shapeDifferences({ nodes: [] }, { nodes: [{ id: 'x' }] }), []);
    assert.deepEqual(shapeDifferences({ nodes: [{ id: 'x' }] }, { nodes: [] }), []);
  });

  test('array versus object is a mismatch; a different top-level type is reported at (root)', () => {
    assert.deepEqual(shapeDifferences({ a: [] }, { a: {} }), ['a: expected array, got object']);
    assert.deepEqual(shapeDifferences({}, []), ['(root): expected object, got array']);
  });

  test('a path prefix is prepended to every difference', () => {
    assert.deepEqual(shapeDifferences({ a: 1 }, { a: 'x' }, 'body'), ['body.a: expected number, got string']);
  });
});
