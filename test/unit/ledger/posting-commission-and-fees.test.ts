import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { post } from '../../helpers/postings';

describe('commissions, premiums and fees', () => {
  test('a deal commission is a trading commission', () => {
    assert.deepEqual(post('TRADE_COMMISSION', '-3.20'), ['Dr 5200 3.2', 'Cr 1100 3.2']);
  });

  test('a guaranteed-stop premium has its own expense account', () => {
    assert.deepEqual(post('TRADE_COMMISSION_GSL', '-1.75'), ['Dr 5210 1.75', 'Cr 1100 1.75']);
  });

  test('a refunded guaranteed-stop premium reduces that expense', () => {
    assert.deepEqual(post('TRADE_COMMISSION_GSL', '1.75'), ['Dr 1100 1.75', 'Cr 5210 1.75']);
  });

  test('an FX conversion fee and an inactivity fee go to their own expense accounts', () => {
    assert.deepEqual(post('FX_COMMISSION', '-0.42'), ['Dr 5220 0.42', 'Cr 1100 0.42']);
    assert.deepEqual(post('INACTIVITY_FEE', '-10'), ['Dr 5230 10', 'Cr 1100 10']);
  });
});
