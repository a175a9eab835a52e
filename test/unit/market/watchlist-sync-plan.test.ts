import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChartConfigError, type WatchlistRecord } from '../../../lib/market/chart-config';
import {
  baseAfterSync,
  BROKER_WATCHLISTS_PER_SYNC_MAX,
  emptyItem,
  nextWatchlistVersion,
  planWatchlistSync,
  recordIdFromName,
  summariseWatchlistSync,
  watchlistSyncWorkflowId,
  type BrokerWatchlist,
  type WatchlistSyncPlanInput,
  type WatchlistSyncState,
  type WatchlistSyncStep,
} from '../../../lib/market/watchlist-sync';

const NOW_MS = Date.UTC(2026, 2, 2, 9, 30);

function local(id: string, epics: string[], extra: Partial<WatchlistRecord> = {}): WatchlistRecord {
  return { kind: 'watchlist', id, name: extra.name ?? id.replace(/-/g, ' '), version: 3, updatedAt: '2026-03-01T12:00:00Z', epics, ...extra };
}

function broker(id: string, name: string, epics: string[], extra: Partial<BrokerWatchlist> = {}): BrokerWatchlist {
  return { id, name, editable: true, deleteable: true, epics, ...extra };
}

function state(brokerWatchlistId: string, recordId: string, baseEpics: string[], detached = false): WatchlistSyncState {
  return { brokerWatchlistId, recordId, baseEpics, detached };
}

function plan(input: Partial<WatchlistSyncPlanInput>): WatchlistSyncStep[] {
  return planWatchlistSync({ local: [], broker: [], states: [], nowMs: NOW_MS, ...input });
}

function only(steps: WatchlistSyncStep[]): WatchlistSyncStep {
  assert.equal(steps.length, 1, JSON.stringify(steps, null, 2));
  return steps[0] as WatchlistSyncStep;
}

describe('watchlist sync plan: a record and the broker watchlist it syncs with', () => {
  test('first sync (no state): the union, nothing removed', () => {
    const step = only(plan({ local: [local('metals', ['GOLD', 'SILVER'], { brokerWatchlistId: '7' })], broker: [broker('7', 'Metals', ['SILVER', 'COPPER'])] }));
    assert.equal(step.action, 'merge');
    if (step.action !== 'merge') return;
    assert.deepEqual(step.diff, { toAddOnBroker: ['GOLD'], toRemoveOnBroker: [], toAddLocally: ['COPPER'], toRemoveLocally: [], merged: ['GOLD', 'SILVER', 'COPPER'] });
    assert.equal(step.link, false);
    assert.match(step.reason, /first sync/);
  });

  test('synced before: a removal on either side since the base is carried to the other', () => {
    const step = only(
      plan({
        local: [local('metals', ['GOLD', 'PLATINUM'], { brokerWatchlistId: '7' })], // removed SILVER, added PLATINUM
        broker: [broker('7', 'Metals', ['GOLD', 'SILVER', 'COPPER'])], // added COPPER
        states: [state('7', 'metals', ['GOLD', 'SILVER'])],
      }),
    );
    assert.equal(step.action, 'merge');
    if (step.action !== 'merge') return;
    assert.deepEqual(step.diff, { toAddOnBroker: ['PLATINUM'], toRemoveOnBroker: ['SILVER'], toAddLocally: ['COPPER'], toRemoveLocally: [], merged: ['GOLD', 'PLATINUM', 'COPPER'] });
    assert.deepEqual(step.conflicts, []);
  });

  test('a state left by another record (relinked) is not this record’s base: the union again', () => {
    const step = only(plan({ local: [local('fx', ['EURUSD'], { brokerWatchlistId: '7' })], broker: [broker('7', 'FX', ['GBPUSD'])], states: [state('7', 'old-fx', ['GBPUSD', 'EURUSD'])] }));
    assert.equal(step.action, 'merge');
    if (step.action === 'merge') assert.deepEqual(step.diff.merged, ['EURUSD', 'GBPUSD']);
  });

  test('a read-only broker watchlist is followed: local changes give way and are reported', () => {
    const step = only(
      plan({
        local: [local('popular', ['GOLD', 'US500', 'DE40'], { brokerWatchlistId: '1' })], // removed EURUSD, added DE40
        broker: [broker('1', 'Popular', ['US500', 'GOLD', 'EURUSD', 'BTCUSD'], { editable: false, deleteable: false })],
        states: [state('1', 'popular', ['US500', 'GOLD', 'EURUSD'])],
      }),
    );
    assert.equal(step.action, 'merge');
    if (step.action !== 'merge') return;
    assert.deepEqual(step.diff, { toAddOnBroker: [], toRemoveOnBroker: [], toAddLocally: ['EURUSD', 'BTCUSD'], toRemoveLocally: ['DE40'], merged: ['GOLD', 'US500', 'EURUSD', 'BTCUSD'] });
    assert.equal(step.conflicts.length, 1);
    assert.match(step.conflicts[0] as string, /read-only.*added here and dropped: DE40; removed here and restored: EURUSD/);
  });

  test('a merge above 100 epics is refused, with what to do', () => {
    const ours = Array.from({ length: 60 }, (_, i) => `OURS${i}`);
    const theirs = Array.from({ length: 60 }, (_, i) => `THEIRS${i}`);
    const step = only(plan({ local: [local('big', ours, { brokerWatchlistId: '9' })], broker: [broker('9', 'Big', theirs)] }));
    assert.equal(step.action, 'refuse');
    assert.match(step.conflicts[0] as string, /together hold 120 epics, more than 100: remove some on either side/);
  });

  test('two records syncing with one broker watchlist are refused', () => {
    const step = only(plan({ local: [local('a', ['GOLD'], { brokerWatchlistId: '7' }), local('b', ['GOLD'], { brokerWatchlistId: '7' })], broker: [broker('7', 'X', ['GOLD'])] }));
    assert.equal(step.action, 'refuse');
    assert.match(step.conflicts[0] as string, /'a' and 'b' all sync with broker watchlist 7/);
  });
});

describe('watchlist sync plan: watchlists on one side only', () => {
  test('a new broker watchlist becomes a record: slug of its name, broker epics, version 1', () => {
    const step = only(plan({ broker: [broker('100023', 'FX & Gold', ['eurusd', 'GOLD'])] }));
    assert.equal(step.action, 'import');
    if (step.action !== 'import') return;
    assert.deepEqual(step.record, { kind: 'watchlist', id: 'fx-gold', name: 'FX & Gold', version: 1, updatedAt: '2026-03-02T09:30:00.000Z', epics: ['EURUSD', 'GOLD'], brokerWatchlistId: '100023' });
  });

  test('a taken id (a record, or a remembered one) gets the broker id, then a counter', () => {
    const steps = plan({ local: [local('popular', ['GOLD'])], broker: [broker('5', 'Popular', ['US500']), broker('6', 'popular', ['DE40'])], states: [state('99', 'popular-5', [], true)] });
    assert.deepEqual(
      steps.map((step) => (step.action === 'import' ? step.record.id : step.action)),
      ['popular-5-2', 'popular-6', 'forget'],
    );
  });

  test('a broker watchlist that cannot be a record (an epic we cannot read) is refused, naming the field', () => {
    const step = only(plan({ broker: [broker('8', 'Odd', ['GOLD', 'A/B'])] }));
    assert.equal(step.action, 'refuse');
    assert.match(step.conflicts[0] as string, /broker watchlist 8 \('Odd'\) cannot be kept as a record: epics\[1\]: expected an upper-case epic/);
  });

  test('a record syncing with a watchlist of another account is skipped', () => {
    const step = only(plan({ local: [local('elsewhere', ['GOLD'], { brokerWatchlistId: '42' })] }));
    assert.equal(step.action, 'skip');
    assert.match(step.reason, /not on this account/);
  });

  test('local-only records are left alone', () => {
    assert.deepEqual(plan({ local: [local('mine', ['GOLD'])] }), []);
  });
});

describe('watchlist sync plan: deletions', () => {
  test('deleted here, unchanged on the broker: deleted on the broker', () => {
    const step = only(plan({ broker: [broker('7', 'Metals', ['SILVER', 'GOLD'])], states: [state('7', 'metals', ['GOLD', 'SILVER'])] }));
    assert.deepEqual({ action: step.action, conflicts: step.conflicts }, { action: 'delete-on-broker', conflicts: [] });
  });

  test('deleted here, but the broker cannot delete it: detached, not imported again', () => {
    const step = only(plan({ broker: [broker('1', 'Popular', ['GOLD'], { editable: false, deleteable: false })], states: [state('1', 'popular', ['GOLD'])] }));
    assert.equal(step.action, 'detach');
    assert.match(step.conflicts[0] as string, /cannot be deleted on the broker/);
    assert.deepEqual(plan({ broker: [broker('1', 'Popular', ['GOLD'])], states: [state('1', 'popular', ['GOLD'], true)] }), []);
  });

  test('deleted here, changed on the broker since: the change wins, the record comes back under its id', () => {
    const step = only(plan({ broker: [broker('7', 'Metals', ['GOLD', 'SILVER', 'COPPER'])], states: [state('7', 'metals', ['GOLD', 'SILVER'])] }));
    assert.equal(step.action, 'import');
    if (step.action !== 'import') return;
    assert.equal(step.record.id, 'metals');
    assert.match(step.conflicts[0] as string, /deleted here but broker watchlist 7 changed since the last sync/);
  });

  test('unlinked here (the record lives on without brokerWatchlistId): detached', () => {
    const step = only(plan({ local: [local('metals', ['GOLD'])], broker: [broker('7', 'Metals', ['GOLD'])], states: [state('7', 'metals', ['GOLD'])] }));
    assert.deepEqual({ action: step.action, conflicts: step.conflicts }, { action: 'detach', conflicts: [] });
  });

  test('deleted on the broker, unchanged here: deleted here', () => {
    const record = local('metals', ['SILVER', 'GOLD'], { brokerWatchlistId: '7' });
    const step = only(plan({ local: [record], states: [state('7', 'metals', ['GOLD', 'SILVER'])] }));
    assert.equal(step.action, 'delete-locally');
  });

  test('deleted on the broker, changed here since: created again on the broker, replacing the old id', () => {
    const record = local('metals', ['GOLD', 'SILVER', 'PLATINUM'], { brokerWatchlistId: '7', name: 'Metals' });
    const step = only(plan({ local: [record], states: [state('7', 'metals', ['GOLD', 'SILVER'])] }));
    assert.equal(step.action, 'create-on-broker');
    if (step.action !== 'create-on-broker') return;
    assert.equal(step.replaces, '7');
    assert.match(step.conflicts[0] as string, /deleted on the broker but watchlist 'metals' changed here since the last sync: it is created again/);
  });

  test('created again by an attempt that crashed before linking it: the new broker list is adopted, not created twice nor imported', () => {
    const record = local('metals', ['GOLD', 'SILVER', 'PLATINUM'], { brokerWatchlistId: '7', name: 'Metals' });
    const steps = plan({ local: [record], broker: [broker('8', 'Metals', ['GOLD', 'SILVER', 'PLATINUM'])], states: [state('7', 'metals', ['GOLD', 'SILVER'])] });
    const step = only(steps);
    assert.equal(step.action, 'merge');
    if (step.action !== 'merge') return;
    assert.deepEqual([step.brokerWatchlistId, step.link, step.diff.merged], ['8', true, ['GOLD', 'SILVER', 'PLATINUM']]);
    assert.match(step.conflicts[0] as string, /created again/);
  });

  test('created again but named longer than the broker takes: refused, saying what to do', () => {
    const record = local('metals', ['GOLD', 'PLATINUM'], { brokerWatchlistId: '7', name: 'Precious metals and miners' });
    const step = only(plan({ local: [record], states: [state('7', 'metals', ['GOLD'])] }));
    assert.equal(step.action, 'refuse');
    assert.match(step.conflicts.at(-1) as string, /26 characters\); the broker takes at most 20: rename it/);
  });

  test('gone on both sides: the state is forgotten', () => {
    assert.deepEqual(
      plan({ states: [state('7', 'metals', ['GOLD'])] }).map((step) => step.action),
      ['forget'],
    );
  });
});

describe('watchlist sync plan: publishing local watchlists', () => {
  test('a local-only watchlist asked for is created on the broker; other broker watchlists go on as usual', () => {
    const steps = plan({ local: [local('us-tech', ['US100', 'AAPL'], { name: 'US tech' })], broker: [broker('1', 'Popular', ['GOLD'], { editable: false })], publish: ['us-tech', 'us-tech'] });
    assert.deepEqual(
      steps.map((step) => `${step.action} ${step.action === 'create-on-broker' || step.action === 'import' ? step.record.id : ''}`),
      ['create-on-broker us-tech', 'import popular'],
    );
  });

  test('a broker watchlist of the same name nobody syncs with is adopted instead', () => {
    const step = only(plan({ local: [local('us-tech', ['US100'], { name: 'US tech' })], broker: [broker('12', 'US tech', ['AAPL'])], publish: ['us-tech'] }));
    assert.equal(step.action, 'merge');
    if (step.action !== 'merge') return;
    assert.equal(step.link, true);
    assert.deepEqual(step.diff.merged, ['US100', 'AAPL']);
  });

  test('unknown ids, records linked elsewhere and long names are refused one by one', () => {
    const steps = plan({
      local: [local('linked', ['GOLD'], { brokerWatchlistId: '42', name: 'Linked' }), local('long', ['GOLD'], { name: 'A name far too long for the broker' })],
      publish: ['nope', 'linked', 'long'],
    });
    assert.deepEqual(
      steps.map((step) => step.action),
      ['refuse', 'refuse', 'refuse'],
    );
    assert.match(steps[0]?.conflicts[0] as string, /no watchlist 'nope' to publish/);
    assert.match(steps[1]?.conflicts[0] as string, /not on this account: remove its brokerWatchlistId to publish it here/);
    assert.match(steps[2]?.conflicts[0] as string, /the broker takes at most 20/);
  });
});

describe('watchlist sync: the pieces around the plan', () => {
  test('the next base: what both sides hold, plus removals still to make', () => {
    assert.deepEqual(baseAfterSync({ localEpics: ['GOLD', 'SILVER', 'US500'], brokerEpics: ['SILVER', 'GOLD', 'FOO'] }), ['GOLD', 'SILVER']);
    assert.deepEqual(baseAfterSync({ localEpics: ['GOLD'], brokerEpics: ['GOLD', 'COPPER'], pendingRemovals: ['COPPER'] }), ['GOLD', 'COPPER']);
  });

  test('the next version of a record: version + 1, new time, new epics, the link when given', () => {
    const record = local('metals', ['GOLD']);
    assert.deepEqual(nextWatchlistVersion(record, { epics: ['GOLD', 'SILVER'], brokerWatchlistId: '7', nowMs: NOW_MS }), { ...record, version: 4, updatedAt: '2026-03-02T09:30:00.000Z', epics: ['GOLD', 'SILVER'], brokerWatchlistId: '7' });
    assert.equal(record.version, 3, 'the input is left as it was');
  });

  test('the report counts changes, in-step lists and conflicts; quiet in-step lists are left out', () => {
    const synced = { ...emptyItem('synced', { reason: 'r', recordId: 'a' }), addedLocally: ['GOLD'] };
    const quiet = emptyItem('in-step', { reason: 'r', recordId: 'b' });
    const noisy = emptyItem('in-step', { reason: 'r', recordId: 'c', conflicts: ['the broker refused to add FOO'] });
    const refused = emptyItem('refused', { reason: 'r', conflicts: ['x', 'y'] });
    const report = summariseWatchlistSync({ accountId: 'ACC', syncId: 's', brokerWatchlists: 3, localWatchlists: 3 }, [synced, quiet, noisy, refused]);
    assert.deepEqual({ changed: report.changed, inStep: report.inStep, conflicts: report.conflicts, items: report.items.map((item) => item.recordId ?? item.outcome) }, { changed: 1, inStep: 2, conflicts: 3, items: ['a', 'c', 'refused'] });
  });

  test('record ids from broker names', () => {
    assert.equal(recordIdFromName('Popular'), 'popular');
    assert.equal(recordIdFromName('  Crème brûlée / FX  '), 'creme-brulee-fx');
    assert.equal(recordIdFromName('!!!'), 'watchlist');
    assert.ok(recordIdFromName('x'.repeat(100)).length <= 64);
  });

  test('bounds: too many broker watchlists, a broker id listed twice', () => {
    const many = Array.from({ length: BROKER_WATCHLISTS_PER_SYNC_MAX + 1 }, (_, i) => broker(String(i), `L${i}`, []));
    assert.throws(() => plan({ broker: many }), (error: unknown) => error instanceof ChartConfigError && /201 watchlists, more than one sync reads \(200\)/.test(error.message));
    assert.throws(() => plan({ broker: [broker('1', 'A', []), broker('1', 'B', [])] }), /listed watchlist 1 twice/);
  });

  test('workflow ids: one per request, deterministic', () => {
    assert.equal(watchlistSyncWorkflowId('ACC-1', NOW_MS), `watchlist-sync:ACC-1:${NOW_MS}`);
    assert.throws(() => watchlistSyncWorkflowId('ACC-1', 1.5), ChartConfigError);
  });
});
