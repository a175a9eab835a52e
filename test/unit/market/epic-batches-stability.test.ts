import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compactEpicBatches,
  type EpicBatch,
  EpicBatchError,
  EPICS_PER_BATCH_MAX,
  minimumBatchCount,
  parseEpics,
  planEpicBatches,
} from '../../../lib/market/epic-batches';

/** EPIC000, EPIC001, …: sorted order is numeric order. */
function epics(count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `EPIC${String(from + i).padStart(3, '0')}`);
}

function sizes(batches: readonly EpicBatch[]): string[] {
  return batches.map((batch) => `${batch.batchId}:${batch.epics.length}`);
}

/** epic → batch id, to see which epics changed batch. */
function homes(batches: readonly EpicBatch[]): Map<string, number> {
  return new Map(batches.flatMap((batch) => batch.epics.map((epic) => [epic, batch.batchId] as const)));
}

function movedBetween(before: readonly EpicBatch[], after: readonly EpicBatch[]): string[] {
  const old = homes(before);
  return [...homes(after)].filter(([epic, batchId]) => old.has(epic) && old.get(epic) !== batchId).map(([epic]) => epic);
}

describe('batching above 40', () => {
  test('the cap is the broker\'s 40', () => {
    assert.equal(EPICS_PER_BATCH_MAX, 40);
  });

  test('no epics, no batches', () => {
    assert.deepEqual(planEpicBatches([]), { batches: [], added: [], removed: [], moved: [] });
  });

  test('40 fit one batch; 41 open a second', () => {
    assert.deepEqual(sizes(planEpicBatches(epics(40)).batches), ['0:40']);
    const plan = planEpicBatches(epics(41));
    assert.deepEqual(sizes(plan.batches), ['0:40', '1:1']);
    assert.deepEqual(plan.batches[1]?.epics, ['EPIC040']);
    assert.equal(plan.added.length, 41);
  });

  test('from scratch, sorted epics fill runs of 40 whatever the input order', () => {
    const plan = planEpicBatches([...epics(100)].reverse());
    assert.deepEqual(sizes(plan.batches), ['0:40', '1:40', '2:20']);
    assert.deepEqual(plan.batches[0]?.epics, epics(40));
    assert.deepEqual(plan.batches[2]?.epics, epics(20, 80));
    assert.equal(minimumBatchCount(100), 3);
  });

  test('a repeated epic is one epic', () => {
    assert.deepEqual(sizes(planEpicBatches([...epics(40), 'EPIC000', 'EPIC001']).batches), ['0:40']);
  });
});

describe('stability when adding or removing', () => {
  const start = planEpicBatches(epics(100)).batches;

  test('adding one epic moves none: it joins the batch with the most room', () => {
    const plan = planEpicBatches([...epics(100), 'GOLD'], start);
    assert.deepEqual(plan.moved, []);
    assert.deepEqual(plan.added, ['GOLD']);
    assert.deepEqual(sizes(plan.batches), ['0:40', '1:40', '2:21']);
    assert.deepEqual(movedBetween(start, plan.batches), []);
  });

  test('removing one epic moves none', () => {
    const plan = planEpicBatches(epics(100).filter((epic) => epic !== 'EPIC005'), start);
    assert.deepEqual(plan.moved, []);
    assert.deepEqual(plan.removed, ['EPIC005']);
    assert.deepEqual(sizes(plan.batches), ['0:39', '1:40', '2:20']);
  });

  test('a new epic goes to the least-full batch with room, the lower id on a tie', () => {
    const holed = planEpicBatches(epics(100).filter((epic) => epic !== 'EPIC005' && epic !== 'EPIC045'), start).batches;
    assert.deepEqual(sizes(holed), ['0:39', '1:39', '2:20']);
    const full = planEpicBatches([...epics(80)], planEpicBatches(epics(80)).batches);
    const plan = planEpicBatches([...epics(80), 'ZINC'], full.batches);
    assert.deepEqual(sizes(plan.batches), ['0:40', '1:40', '2:1'], 'every batch full: a new one opens');
    const lopsided = planEpicBatches(['AAA', ...epics(80)], [{ batchId: 0, epics: epics(39) }, { batchId: 1, epics: epics(39, 39) }, { batchId: 2, epics: ['EPIC078', 'EPIC079'] }]);
    assert.equal(homes(lopsided.batches).get('AAA'), 2, 'the least-full batch, not the first with room');
    const tie = planEpicBatches(['AAA', 'BBB', ...epics(78)], [{ batchId: 0, epics: epics(39) }, { batchId: 1, epics: epics(39, 39) }]);
    assert.deepEqual(sizes(tie.batches), ['0:40', '1:40']);
    assert.equal(homes(tie.batches).get('AAA'), 0);
    assert.equal(homes(tie.batches).get('BBB'), 1);
  });

  test('many adds and removes: never a move, never above 40, every wanted epic placed once', () => {
    let batches = start;
    let wanted = new Set(epics(100));
    for (let step = 0; step < 200; step++) {
      const next = new Set(wanted);
      if (step % 3 === 0) next.delete(`EPIC${String((step * 7) % 100).padStart(3, '0')}`);
      else next.add(`NEW${step}`);
      const plan = planEpicBatches(next, batches);
      assert.deepEqual(plan.moved, [], `step ${step}`);
      assert.deepEqual(movedBetween(batches, plan.batches), [], `step ${step}`);
      assert.ok(plan.batches.every((batch) => batch.epics.length >= 1 && batch.epics.length <= 40));
      assert.deepEqual([...homes(plan.batches).keys()].sort(), [...next].sort());
      batches = plan.batches;
      wanted = next;
    }
  });

  test('a batch emptied is dropped; its id is the first reused', () => {
    const without = planEpicBatches(epics(60, 40), start);
    assert.deepEqual(sizes(without.batches), ['1:40', '2:20']);
    assert.equal(without.removed.length, 40);
    const refill = planEpicBatches([...epics(60, 40), ...epics(21, 200)], without.batches);
    assert.deepEqual(sizes(refill.batches), ['0:1', '1:40', '2:40']);
  });

  test('a lowered cap moves only the overflow, highest epics first', () => {
    const plan = planEpicBatches(epics(40), planEpicBatches(epics(40)).batches, 30);
    assert.deepEqual(sizes(plan.batches), ['0:30', '1:10']);
    assert.deepEqual(plan.moved.map((move) => move.epic), epics(10, 30));
    assert.ok(plan.moved.every((move) => move.fromBatchId === 0 && move.toBatchId === 1));
  });
});

describe('compaction, at a quiet time', () => {
  test('a surplus batch of one epic: one move closes it', () => {
    const batches = planEpicBatches(epics(81)).batches;
    const fewer = planEpicBatches(epics(81).filter((epic) => epic !== 'EPIC000'), batches).batches;
    assert.deepEqual(sizes(fewer), ['0:39', '1:40', '2:1']);
    const plan = compactEpicBatches(fewer);
    assert.deepEqual(sizes(plan.batches), ['0:40', '1:40']);
    assert.deepEqual(plan.moved, [{ epic: 'EPIC080', fromBatchId: 2, toBatchId: 0 }]);
  });

  test('the smallest batch is drained, the higher id on a tie, into the least-full others', () => {
    const batches: EpicBatch[] = [{ batchId: 0, epics: epics(27) }, { batchId: 1, epics: epics(27, 27) }, { batchId: 2, epics: epics(26, 54) }];
    const plan = compactEpicBatches(batches);
    assert.deepEqual(sizes(plan.batches), ['0:40', '1:40']);
    assert.equal(plan.moved.length, 26);
    assert.ok(plan.moved.every((move) => move.fromBatchId === 2));
  });

  test('already minimal: nothing moves', () => {
    const batches = planEpicBatches(epics(100)).batches;
    assert.deepEqual(compactEpicBatches(batches), { batches, added: [], removed: [], moved: [] });
  });
});

describe('validation', () => {
  test('epics must look like epics; the first bad ones are quoted', () => {
    assert.throws(() => planEpicBatches(['GOLD', 'gold', ' US500', '']), (error: unknown) => error instanceof EpicBatchError && error.message.includes("'gold', ' US500', ''"));
    assert.throws(() => parseEpics(['GOLD', 7 as unknown as string]), /a number/);
    assert.throws(() => parseEpics(Array.from({ length: 8 }, (_, i) => `bad${i}`)), /and 3 more/);
    assert.deepEqual(parseEpics(['US500', 'OIL_CRUDE', 'BTC.USD', 'EUR-USD', 'GOLD']), ['BTC.USD', 'EUR-USD', 'GOLD', 'OIL_CRUDE', 'US500']);
    assert.throws(() => parseEpics(['A'.repeat(65)]), EpicBatchError);
  });

  test('previous batches must be a real assignment', () => {
    assert.throws(() => planEpicBatches(['GOLD'], [{ batchId: 0, epics: ['GOLD'] }, { batchId: 1, epics: ['GOLD'] }]), /in batches 0 and 1/);
    assert.throws(() => planEpicBatches(['GOLD'], [{ batchId: 0, epics: ['GOLD'] }, { batchId: 0, epics: ['SILVER'] }]), /used twice/);
    assert.throws(() => planEpicBatches(['GOLD'], [{ batchId: -1, epics: ['GOLD'] }]), /batch id/);
    assert.throws(() => compactEpicBatches([{ batchId: 0, epics: epics(41) }]), /above the cap/);
  });

  test('the cap is a whole number from 1 to 40', () => {
    for (const bad of [0, 41, 2.5, Number.NaN]) assert.throws(() => planEpicBatches(['GOLD'], [], bad), EpicBatchError);
    assert.deepEqual(sizes(planEpicBatches(epics(3), [], 1).batches), ['0:1', '1:1', '2:1']);
  });

  test('at most 10,000 epics', () => {
    assert.throws(() => planEpicBatches(epics(10_001).map((epic, i) => `${epic}X${i}`)), /at most 10000/);
  });
});
