import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { InstrumentIdError, instrumentId, isInstrumentId } from '../../../lib/ledger/instrument-id';

describe('instrument ids', () => {
  test('an id is ins_ and the first 16 hex chars of SHA-256 over the namespaced epic', () => {
    const expected = 'ins_' + createHash('sha256').update('capital.com:epic:GOLD').digest('hex').slice(0, 16);
    assert.equal(instrumentId('GOLD'), expected);
    assert.ok(isInstrumentId(instrumentId('GOLD')));
  });

  test('stable: recorded ids do not change between runs or releases', () => {
    // Golden values: changing them would orphan every stored record that refers to them.
    assert.equal(instrumentId('GOLD'), 'ins_2fb480ecf023811b');
    assert.equal(instrumentId('NATURALGAS'), 'ins_910197c250d0cbaf');
    assert.equal(instrumentId('US500'), instrumentId('US500'));
  });

  test('case and surrounding whitespace do not matter', () => {
    for (const spelling of ['gold', 'Gold', ' GOLD', 'GOLD\n', '\tgold  ']) assert.equal(instrumentId(spelling), instrumentId('GOLD'), JSON.stringify(spelling));
  });

  test('different epics get different ids, across the kinds of epic the broker uses', () => {
    const epics = ['GOLD', 'SILVER', 'US500', 'US100', 'EURUSD', 'GBPUSD', 'BTCUSD', 'ETHUSD', 'OIL_CRUDE', 'NATURALGAS', 'AAPL', 'TSLA', 'UK100', 'DE40', 'J225'];
    const ids = new Set(epics.map(instrumentId));
    assert.equal(ids.size, epics.length);
    for (const id of ids) assert.match(id, /^ins_[0-9a-f]{16}$/);
  });

  test('an empty epic is refused', () => {
    for (const epic of ['', '   ']) assert.throws(() => instrumentId(epic), InstrumentIdError);
  });
});
