import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { post } from '../../helpers/postings';

describe('money moving between the bank and the broker', () => {
  test('a deposit lands in broker cash and clears funds in transit', () => {
    assert.deepEqual(post('DEPOSIT', '5000.00'), ['Dr 1100 5000', 'Cr 1050 5000']);
  });

  test('a withdrawal leaves broker cash and waits in transit for the bank', () => {
    assert.deepEqual(post('WITHDRAWAL', '-1200.50'), ['Dr 1050 1200.5', 'Cr 1100 1200.5']);
  });

  test('a bounced withdrawal comes back out of transit', () => {
    assert.deepEqual(post('WITHDRAWAL_MONEY_BACK', '1200.50'), ['Dr 1100 1200.5', 'Cr 1050 1200.5']);
  });

  test('a chargeback takes the card deposit back out of broker cash, in transit to the card issuer', () => {
    assert.deepEqual(post('CHARGEBACK', '-250.00'), ['Dr 1050 250', 'Cr 1100 250']);
  });

  test('a reversed deposit (negative) puts the money back in transit', () => {
    assert.deepEqual(post('DEPOSIT', '-99.99'), ['Dr 1050 99.99', 'Cr 1100 99.99']);
  });
});
