import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as door from '../../../lib/market/chart-config';
import { ChartConfigError } from '../../../lib/market/chart-config-schemas';
import { diffWatchlist, WATCHLIST_SYNC_EPICS_MAX } from '../../../lib/market/watchlist-diff';

const NOTHING = { toAddOnBroker: [], toRemoveOnBroker: [], toAddLocally: [], toRemoveLocally: [] };

describe('three-way watchlist diff', () => {
  test('in step: nothing to do', () => {
    assert.deepEqual(diffWatchlist(['GOLD', 'SILVER'], ['SILVER', 'GOLD'], ['GOLD', 'SILVER']), { ...NOTHING, merged: ['GOLD', 'SILVER'] });
  });

  test('an epic added locally since the last sync is added on the broker', () => {
    assert.deepEqual(diffWatchlist(['GOLD', 'SILVER', 'US500'], ['GOLD', 'SILVER'], ['GOLD', 'SILVER']), { ...NOTHING, toAddOnBroker: ['US500'], merged: ['GOLD', 'SILVER', 'US500'] });
  });

  test('an epic removed locally since the last sync is removed on the broker', () => {
    assert.deepEqual(diffWatchlist(['GOLD'], ['GOLD', 'SILVER'], ['GOLD', 'SILVER']), { ...NOTHING, toRemoveOnBroker: ['SILVER'], merged: ['GOLD'] });
  });

  test('an epic added on the broker is added locally, after the local epics', () => {
    assert.deepEqual(diffWatchlist(['SILVER', 'GOLD'], ['GOLD', 'OIL_CRUDE', 'SILVER'], ['GOLD', 'SILVER']), { ...NOTHING, toAddLocally: ['OIL_CRUDE'], merged: ['SILVER', 'GOLD', 'OIL_CRUDE'] });
  });

  test('an epic removed on the broker is removed locally', () => {
    assert.deepEqual(diffWatchlist(['GOLD', 'SILVER'], ['GOLD'], ['GOLD', 'SILVER']), { ...NOTHING, toRemoveLocally: ['SILVER'], merged: ['GOLD'] });
  });

  test('changes on both sides at once: each side gets the other side’s adds and removes', () => {
    const local = ['GOLD', 'US500', 'EURUSD']; // removed SILVER, added US500 and EURUSD
    const broker = ['GOLD', 'SILVER', 'BTCUSD']; // removed COPPER, added BTCUSD
    const base = ['GOLD', 'SILVER', 'COPPER'];
    assert.deepEqual(diffWatchlist(local, broker, base), {
      toAddOnBroker: ['US500', 'EURUSD'],
      toRemoveOnBroker: ['SILVER'],
      toAddLocally: ['BTCUSD'],
      toRemoveLocally: [],
      merged: ['GOLD', 'US500', 'EURUSD', 'BTCUSD'],
    });
  });

  test('the same add or the same remove on both sides agrees and needs nothing', () => {
    assert.deepEqual(diffWatchlist(['GOLD', 'US500'], ['US500', 'GOLD'], ['GOLD', 'SILVER']), { ...NOTHING, merged: ['GOLD', 'US500'] });
  });

  test('removed on one side, kept on the other: the removal wins on both sides', () => {
    assert.deepEqual(diffWatchlist(['GOLD', 'SILVER'], ['SILVER'], ['GOLD', 'SILVER']).toRemoveLocally, ['GOLD']);
    assert.deepEqual(diffWatchlist(['SILVER'], ['GOLD', 'SILVER'], ['GOLD', 'SILVER']).toRemoveOnBroker, ['GOLD']);
  });

  test('never synced (no base): the union, nothing removed', () => {
    assert.deepEqual(diffWatchlist(['GOLD', 'SILVER'], ['SILVER', 'US500']), { ...NOTHING, toAddOnBroker: ['GOLD'], toAddLocally: ['US500'], merged: ['GOLD', 'SILVER', 'US500'] });
  });

  test('both emptied since the last sync: nothing to do', () => {
    assert.deepEqual(diffWatchlist([], [], ['GOLD']), { ...NOTHING, merged: [] });
  });

  test('epics compare trimmed and upper case, and repeats collapse', () => {
    assert.deepEqual(diffWatchlist(['gold', ' GOLD ', 'Silver'], ['GOLD', 'SILVER', 'SILVER'], ['GOLD', 'SILVER']), { ...NOTHING, merged: ['GOLD', 'SILVER'] });
  });

  test('a side longer than the bound is refused, and an empty epic is refused', () => {
    const tooMany = Array.from({ length: WATCHLIST_SYNC_EPICS_MAX + 1 }, (_, i) => `EPIC${i}`);
    assert.throws(() => diffWatchlist([], tooMany), (error: unknown) => error instanceof ChartConfigError && /broker watchlist holds 1001 epics, more than 1000/.test(error.message));
    assert.throws(() => diffWatchlist([' '], []), /epic is empty/);
  });

  test('the door to chart configs re-exports the diff', () => {
    assert.equal(door.diffWatchlist, diffWatchlist);
    assert.equal(door.WATCHLIST_SYNC_EPICS_MAX, WATCHLIST_SYNC_EPICS_MAX);
  });
});
