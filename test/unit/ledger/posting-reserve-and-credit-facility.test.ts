import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { post } from '../../helpers/postings';

describe('reserved funds and the credit facility', () => {
  test("reserved funds stay the company's: broker cash becomes a receivable, and comes back on release", () => {
    assert.deepEqual(post('RESERVE', '-500'), ['Dr 1200 500', 'Cr 1100 500']);
    assert.deepEqual(post('UNRESERVE', '500'), ['Dr 1100 500', 'Cr 1200 500']);
  });

  test('drawing on the credit facility is a liability, repaying it reduces the liability', () => {
    assert.deepEqual(post('CREDIT_FACILITY', '1000'), ['Dr 1100 1000', 'Cr 2100 1000']);
    assert.deepEqual(post('CREDIT_FACILITY', '-1000'), ['Dr 2100 1000', 'Cr 1100 1000']);
  });

  test('a void of an unidentified row waits in suspense for review', () => {
    assert.deepEqual(post('VOID', '-7.5'), ['Dr 1900 7.5', 'Cr 1100 7.5']);
  });
});
