/**
 * Epics → streaming connection batches of at most 40 (the broker's instrument cap, REFERENCE §8,
 * read as per connection). A batch keeps its `batchId` for as long as it holds an epic, so the
 * caller can tie it to one connection.
 *
 * `planEpicBatches(epics, previous)` moves no epic that stays wanted:
 *   1. every wanted epic of a previous batch stays in that batch (a batch above the cap, after the
 *      cap was lowered, keeps its first epics in sorted order; the rest are placed again, below);
 *   2. epics no longer wanted leave; a batch left empty is dropped and its id becomes free;
 *   3. each epic still to place, in sorted order, joins the batch with the fewest epics that has
 *      room (the lower id on a tie); when every batch is full, a new batch opens with the lowest
 *      free id.
 * So adding or removing one epic moves none of the others; the price is that removals can leave
 * more batches than `minimumBatchCount`. `compactEpicBatches` closes the surplus at a quiet time
 * with the fewest moves: it empties the batch with the fewest epics (the higher id on a tie) into
 * the others, by the rule of step 3, until the count is the minimum. With more batches than the
 * minimum, the others always have room for the smallest batch, and closing a batch means moving
 * all of its epics, so no fewer moves can close one.
 * Without previous batches, the sorted epics fill batches 0, 1, … in runs of the cap.
 */
import { STREAMING_EPICS_MAX } from '../capital/vocabulary';

/** Upper case letters, digits, `.`, `_`, `-`; at most 64 (as in chart configs and trade intents). */
export const EPIC_PATTERN = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;
export const EPICS_PER_BATCH_MAX = STREAMING_EPICS_MAX;
/** Epics in one plan: 250 connections' worth. */
export const EPICS_PER_PLAN_MAX = 10_000;
/** Batch ids are 0 … BATCH_ID_MAX; a plan never needs more ids than it has epics. */
export const BATCH_ID_MAX = EPICS_PER_PLAN_MAX - 1;
/** Bad epics quoted in an error message. */
const PROBLEMS_QUOTED_MAX = 5;

export interface EpicBatch {
  batchId: number;
  /** Sorted, each once. */
  epics: readonly string[];
}

export interface EpicMove {
  epic: string;
  fromBatchId: number;
  toBatchId: number;
}

export interface EpicBatchPlan {
  /** Sorted by id; none empty. */
  batches: EpicBatch[];
  /** Newly wanted epics (sorted): subscribe them on their batch. */
  added: string[];
  /** Epics no longer wanted (sorted): unsubscribe them. */
  removed: string[];
  /** Epics that changed batch (sorted by epic): unsubscribe on the old, subscribe on the new. */
  moved: EpicMove[];
}

export class EpicBatchError extends Error {
  override name = 'EpicBatchError';
}

export function isEpic(value: unknown): value is string {
  return typeof value === 'string' && EPIC_PATTERN.test(value);
}

/** Validated epics, sorted and each once. Throws `EpicBatchError` quoting the first bad ones. */
export function parseEpics(values: Iterable<unknown>): string[] {
  const epics = new Set<string>();
  const bad: string[] = [];
  let seen = 0;
  for (const value of values) {
    if (++seen > EPICS_PER_PLAN_MAX * 2) throw new EpicBatchError(`more than ${EPICS_PER_PLAN_MAX * 2} epics listed`);
    if (isEpic(value)) epics.add(value);
    else bad.push(typeof value === 'string' ? `'${value.slice(0, 64)}'` : `a ${value === null ? 'null' : typeof value}`);
  }
  if (bad.length > 0) {
    const quoted = bad.slice(0, PROBLEMS_QUOTED_MAX).join(', ');
    const more = bad.length > PROBLEMS_QUOTED_MAX ? ` and ${bad.length - PROBLEMS_QUOTED_MAX} more` : '';
    throw new EpicBatchError(`not epics (upper case letters, digits, . _ -; up to 64): ${quoted}${more}`);
  }
  if (epics.size > EPICS_PER_PLAN_MAX) throw new EpicBatchError(`at most ${EPICS_PER_PLAN_MAX} epics, got ${epics.size}`);
  return [...epics].sort(compareText);
}

export function minimumBatchCount(epicCount: number, epicsPerBatchMax: number = EPICS_PER_BATCH_MAX): number {
  return Math.ceil(epicCount / epicsPerBatchMax);
}

/** The batches for `epics`, moving no epic that stays wanted (see the file comment). */
export function planEpicBatches(epics: Iterable<string>, previous: readonly EpicBatch[] = [], epicsPerBatchMax: number = EPICS_PER_BATCH_MAX): EpicBatchPlan {
  assertBatchSize(epicsPerBatchMax);
  const wanted = new Set(parseEpics(epics));
  const before = readBatches(previous);
  const working = new Map<number, string[]>();
  const toPlace: { epic: string; fromBatchId?: number }[] = [];
  const removed: string[] = [];
  for (const [batchId, batchEpics] of before) {
    const kept = batchEpics.filter((epic) => wanted.has(epic));
    removed.push(...batchEpics.filter((epic) => !wanted.has(epic)));
    if (kept.length > 0) working.set(batchId, kept.slice(0, epicsPerBatchMax));
    for (const epic of kept.slice(epicsPerBatchMax)) toPlace.push({ epic, fromBatchId: batchId });
  }
  const placedBefore = new Set([...before.values()].flat());
  const added = [...wanted].filter((epic) => !placedBefore.has(epic));
  toPlace.push(...added.map((epic) => ({ epic })));
  toPlace.sort((a, b) => compareText(a.epic, b.epic));
  const moved: EpicMove[] = [];
  for (const { epic, fromBatchId } of toPlace) {
    const toBatchId = place(working, epic, epicsPerBatchMax);
    if (fromBatchId !== undefined) moved.push({ epic, fromBatchId, toBatchId });
  }
  return { batches: batchesOf(working), added, removed: removed.sort(compareText), moved };
}

/** The batches closed down to `minimumBatchCount` with the fewest moves (see the file comment). */
export function compactEpicBatches(batches: readonly EpicBatch[], epicsPerBatchMax: number = EPICS_PER_BATCH_MAX): EpicBatchPlan {
  assertBatchSize(epicsPerBatchMax);
  const working = readBatches(batches);
  for (const [batchId, batchEpics] of working) {
    if (batchEpics.length > epicsPerBatchMax) throw new EpicBatchError(`batch ${batchId} holds ${batchEpics.length} epics, above the cap of ${epicsPerBatchMax}; plan it first`);
    if (batchEpics.length === 0) working.delete(batchId);
  }
  const epicCount = [...working.values()].reduce((count, batchEpics) => count + batchEpics.length, 0);
  const moved: EpicMove[] = [];
  // Each pass closes one batch, so the loop ends within the batch count.
  while (working.size > minimumBatchCount(epicCount, epicsPerBatchMax)) {
    const [sourceId, sourceEpics] = smallestBatch(working);
    working.delete(sourceId);
    for (const epic of sourceEpics) moved.push({ epic, fromBatchId: sourceId, toBatchId: place(working, epic, epicsPerBatchMax, false) });
  }
  return { batches: batchesOf(working), added: [], removed: [], moved: moved.sort((a, b) => compareText(a.epic, b.epic)) };
}

function assertBatchSize(epicsPerBatchMax: number): void {
  if (!Number.isInteger(epicsPerBatchMax) || epicsPerBatchMax < 1 || epicsPerBatchMax > EPICS_PER_BATCH_MAX) {
    throw new EpicBatchError(`epicsPerBatchMax must be a whole number in [1, ${EPICS_PER_BATCH_MAX}], got ${String(epicsPerBatchMax)}`);
  }
}

/** Previous batches → id → sorted epics. Ids must be unique and in range; an epic may sit in one batch only. */
function readBatches(batches: readonly EpicBatch[]): Map<number, string[]> {
  if (batches.length > BATCH_ID_MAX + 1) throw new EpicBatchError(`at most ${BATCH_ID_MAX + 1} batches, got ${batches.length}`);
  const byId = new Map<number, string[]>();
  const home = new Map<string, number>();
  for (const batch of [...batches].sort((a, b) => a.batchId - b.batchId)) {
    if (!Number.isInteger(batch.batchId) || batch.batchId < 0 || batch.batchId > BATCH_ID_MAX) throw new EpicBatchError(`batch id must be a whole number in [0, ${BATCH_ID_MAX}], got ${String(batch.batchId)}`);
    if (byId.has(batch.batchId)) throw new EpicBatchError(`batch id ${batch.batchId} is used twice`);
    const epics = parseEpics(batch.epics);
    for (const epic of epics) {
      const other = home.get(epic);
      if (other !== undefined) throw new EpicBatchError(`epic ${epic} is in batches ${other} and ${batch.batchId}`);
      home.set(epic, batch.batchId);
    }
    byId.set(batch.batchId, epics);
  }
  return byId;
}

/**
 * Puts the epic into the batch with the fewest epics that has room (lower id on a tie), or into a
 * new batch under the lowest free id; returns the id. `mayOpen` false asserts a batch had room.
 */
function place(working: Map<number, string[]>, epic: string, epicsPerBatchMax: number, mayOpen = true): number {
  let target: number | undefined;
  for (const [batchId, batchEpics] of working) {
    if (batchEpics.length >= epicsPerBatchMax) continue;
    const best = target === undefined ? undefined : (working.get(target) as string[]);
    if (best === undefined || batchEpics.length < best.length || (batchEpics.length === best.length && batchId < (target as number))) target = batchId;
  }
  if (target === undefined) {
    if (!mayOpen) throw new EpicBatchError(`no batch had room for ${epic} while compacting`);
    target = lowestFreeId(working);
    working.set(target, []);
  }
  (working.get(target) as string[]).push(epic);
  return target;
}

function lowestFreeId(working: Map<number, string[]>): number {
  for (let batchId = 0; batchId <= BATCH_ID_MAX; batchId++) if (!working.has(batchId)) return batchId;
  throw new EpicBatchError(`no free batch id below ${BATCH_ID_MAX + 1}`);
}

/** The batch with the fewest epics; the higher id on a tie, so low ids live longest. */
function smallestBatch(working: Map<number, string[]>): [number, string[]] {
  let smallest: [number, string[]] | undefined;
  for (const entry of working) {
    if (smallest === undefined || entry[1].length < smallest[1].length || (entry[1].length === smallest[1].length && entry[0] > smallest[0])) smallest = entry;
  }
  if (smallest === undefined) throw new EpicBatchError('no batch to compact');
  return smallest;
}

function batchesOf(working: Map<number, string[]>): EpicBatch[] {
  return [...working.entries()]
    .filter(([, epics]) => epics.length > 0)
    .sort(([a], [b]) => a - b)
    .map(([batchId, epics]) => ({ batchId, epics: [...epics].sort(compareText) }));
}

/** Code-unit order: the same on every machine, unlike `localeCompare`. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
