import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { post } from '../../helpers/postings';

describe('realised P/L when a position closes', () => {
  test('a profitable close is a realised trading gain', () => {
    assert.deepEqual(post('TRADE', '416.0'), ['Dr 1100 416', 'Cr 4000 416']);
  });

  test('a losing close is a realised trading loss, not a negative gain', () => {
    assert.deepEqual(post('TRADE', '-80.43'), ['Dr 5000 80.43', 'Cr 1100 80.43']);
  });

  test('a close at exactly break-even is mapped but moves nothing', () => {
    assert.deepEqual(post('TRADE', '0.0'), []);
  });

  test('a trade correction lands with the trading result it corrects', () => {
    assert.deepEqual(post('TRADE_CORRECTION', '12.5'), ['Dr 1100 12.5', 'Cr 4000 12.5']);
    assert.deepEqual(post('TRADE_CORRECTION', '-3.1'), ['Dr 5000 3.1', 'Cr 1100 3.1']);
  });
});
