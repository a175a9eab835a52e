import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFiql } from '../../simulator/fiql';

test('FIQL activity filters: ==, !=, lists and AND', () => {
  const filter = parseFiql('source!=DEALER;type!=POSITION;status==REJECTED;epic==OIL_CRUDE,GOLD');
  assert.equal(typeof filter, 'function');
  const keep = filter as (row: Record<string, string>) => boolean;
  assert.equal(keep({ source: 'USER', type: 'WORKING_ORDER', status: 'REJECTED', epic: 'GOLD' }), true);
  assert.equal(keep({ source: 'DEALER', type: 'WORKING_ORDER', status: 'REJECTED', epic: 'GOLD' }), false);
  assert.equal(keep({ source: 'USER', type: 'WORKING_ORDER', status: 'REJECTED', epic: 'SILVER' }), false);
  assert.deepEqual(parseFiql('colour==red'), { error: "unknown field 'colour'" });
  assert.deepEqual(parseFiql('epic=GOLD'), { error: "bad clause 'epic=GOLD'" });
});
