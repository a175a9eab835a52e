import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { post } from '../../helpers/postings';

describe('corporate actions and dividends', () => {
  test('a dividend adjustment on a long position is corporate-action income', () => {
    assert.deepEqual(post('CORPORATE_ACTION', '12.34'), ['Dr 1100 12.34', 'Cr 4300 12.34']);
  });

  test('a dividend adjustment charged on a short is an expense, not negative income', () => {
    assert.deepEqual(post('CORPORATE_ACTION', '-12.34'), ['Dr 5500 12.34', 'Cr 1100 12.34']);
  });

  test('legacy DIVIDEND rows post exactly like CORPORATE_ACTION', () => {
    assert.deepEqual(post('DIVIDEND', '12.34'), post('CORPORATE_ACTION', '12.34'));
    assert.deepEqual(post('DIVIDEND', '-12.34'), post('CORPORATE_ACTION', '-12.34'));
  });
});
