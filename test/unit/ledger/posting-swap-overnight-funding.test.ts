import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { post } from '../../helpers/postings';

describe('overnight funding (SWAP)', () => {
  test('a funding charge on a held position is overnight funding expense', () => {
    assert.deepEqual(post('SWAP', '-1.05'), ['Dr 5100 1.05', 'Cr 1100 1.05']);
  });

  test('funding paid to a short when the rate is positive is overnight funding income', () => {
    assert.deepEqual(post('SWAP', '0.37'), ['Dr 1100 0.37', 'Cr 4100 0.37']);
  });

  test('the smallest charge (one cent) keeps its exact amount', () => {
    assert.deepEqual(post('SWAP', '-0.01'), ['Dr 5100 0.01', 'Cr 1100 0.01']);
  });
});
