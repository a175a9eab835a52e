/**
 * The two-way watchlist sync of one account, as a plan: our watchlist records, the account's
 * broker watchlists with their epics, and what the last sync left behind (per broker watchlist:
 * the record it syncs with and the epics both held, the base) become one step per watchlist.
 * Pure; `activities/watchlists.ts` reads both sides, applies the steps and reports.
 * Rules: [CHART-CONFIG.md](CHART-CONFIG.md#watchlist-sync).
 */
import { InstrumentIdError, normaliseEpic } from '../ledger/instrument-id';
import { BROKER_WATCHLIST_NAME_MAX_CHARS, ChartConfigError, parseChartRecord, RECORD_ID_MAX_CHARS, WATCHLIST_EPICS_MAX, type WatchlistRecord } from './chart-config-schemas';
import { diffWatchlist, WATCHLIST_SYNC_EPICS_MAX, type WatchlistDiff } from './watchlist-diff';

/** The workflow's registered name, for starters that hold no reference to it. */
export const WATCHLIST_SYNC_WORKFLOW = 'syncWatchlists';
/** Broker watchlists one sync reads (each one `GET /watchlists/{id}`); the simulator allows 200, the broker documents no limit. */
export const BROKER_WATCHLISTS_PER_SYNC_MAX = 200;
/** Local watchlists one sync may be asked to create on the broker. */
export const PUBLISH_PER_SYNC_MAX = 50;

/** One broker watchlist of the account, with the epics of `GET /watchlists/{id}` in broker order. */
export interface BrokerWatchlist {
  id: string;
  name: string;
  editable: boolean;
  deleteable: boolean;
  epics: readonly string[];
}

/** What the last sync of one broker watchlist left: the record it syncs with and the epics both then held. */
export interface WatchlistSyncState {
  brokerWatchlistId: string;
  recordId: string;
  baseEpics: readonly string[];
  /** Someone unlinked the record, or the broker would not delete the list: it is no longer synced nor imported. */
  detached: boolean;
}

export interface WatchlistSyncPlanInput {
  /** Every stored (not deleted) watchlist record. */
  local: readonly WatchlistRecord[];
  /** Every watchlist of the account. */
  broker: readonly BrokerWatchlist[];
  /** This account's states. */
  states: readonly WatchlistSyncState[];
  /** Local-only watchlist ids to create on the broker (or adopt: a broker watchlist of the same name nobody syncs with). */
  publish?: readonly string[];
  /** Stamps `updatedAt` of the records the sync creates. */
  nowMs: number;
}

interface StepBase {
  /** Why this step, in words, for the report. */
  reason: string;
  /** What a person has to look at (nothing was lost: earlier versions stay in the history). */
  conflicts: string[];
}

export type WatchlistSyncStep = StepBase &
  (
    | {
        /** Apply `diff` both ways; `link` sets the record's `brokerWatchlistId` (an adopted list). */
        action: 'merge';
        brokerWatchlistId: string;
        record: WatchlistRecord;
        diff: WatchlistDiff;
        link: boolean;
      }
    /** A broker watchlist no record syncs with becomes a new record (`record`, version 1 or above a deleted one). */
    | { action: 'import'; brokerWatchlistId: string; record: WatchlistRecord }
    /** `POST /watchlists` with the record's name and epics; `replaces` is the broker watchlist deleted there. */
    | { action: 'create-on-broker'; record: WatchlistRecord; replaces?: string }
    /** Deleted on the broker and unchanged here since: the record goes too (its history stays). */
    | { action: 'delete-locally'; brokerWatchlistId: string; record: WatchlistRecord }
    /** Deleted here and unchanged on the broker since: `DELETE /watchlists/{id}`. */
    | { action: 'delete-on-broker'; brokerWatchlistId: string; recordId: string }
    /** No longer synced: remembered as detached, so it is not imported again. */
    | { action: 'detach'; brokerWatchlistId: string; recordId: string }
    /** Gone on both sides: the state is dropped. */
    | { action: 'forget'; brokerWatchlistId: string; recordId: string }
    /** Nothing done; `conflicts` say why. */
    | { action: 'refuse'; brokerWatchlistId?: string; recordId?: string }
    /** The record syncs with a broker watchlist of another account (or one never synced here). */
    | { action: 'skip'; brokerWatchlistId: string; recordId: string }
  );

function distinctNormalised(epics: readonly string[]): string[] {
  return [...new Set(epics.map(normaliseEpic))];
}

function sameEpics(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(distinctNormalised(a));
  const right = new Set(distinctNormalised(b));
  return left.size === right.size && [...left].every((epic) => right.has(epic));
}

function quoteList(epics: readonly string[]): string {
  return epics.join(', ');
}

/** A record id from a broker watchlist's name: `Popular` → `popular`, `FX & Gold` → `fx-gold`. */
export function recordIdFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, RECORD_ID_MAX_CHARS)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'watchlist' : slug;
}

/** Slug parts joined by single hyphens, cut to the id length. */
function joinSlug(...parts: string[]): string {
  return parts.join('-').replace(/-+/g, '-').slice(0, RECORD_ID_MAX_CHARS).replace(/^-+|-+$/g, '');
}

/** The name's slug; when taken, the slug plus the broker id; then a counter. */
function uniqueRecordId(name: string, brokerWatchlistId: string, taken: ReadonlySet<string>): string {
  const base = recordIdFromName(name);
  const brokerPart = recordIdFromName(brokerWatchlistId).slice(0, 24);
  const withBrokerId = joinSlug(base.slice(0, RECORD_ID_MAX_CHARS - brokerPart.length - 1), brokerPart);
  for (const candidate of [base, withBrokerId]) if (!taken.has(candidate)) return candidate;
  for (let n = 2; n < 1_000; n++) {
    const candidate = joinSlug(withBrokerId.slice(0, RECORD_ID_MAX_CHARS - 4), String(n));
    if (!taken.has(candidate)) return candidate;
  }
  throw new ChartConfigError(`no free record id for broker watchlist ${brokerWatchlistId}`);
}

function isControlCharacter(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** The broker's name as a record name: control characters dropped, spaces trimmed; a placeholder when nothing is left. */
function displayName(name: string, brokerWatchlistId: string): string {
  const cleaned = [...name].filter((char) => !isControlCharacter(char)).join('').trim();
  return cleaned === '' ? `Watchlist ${brokerWatchlistId}` : cleaned.slice(0, 80).trim();
}

/** The record a broker watchlist becomes, or the reasons it cannot. */
function importedRecord(list: BrokerWatchlist, id: string, nowMs: number): { ok: true; record: WatchlistRecord } | { ok: false; reason: string } {
  let epics: string[];
  try {
    epics = distinctNormalised(list.epics);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const parsed = parseChartRecord({ kind: 'watchlist', id, name: displayName(list.name, list.id), version: 1, updatedAt: new Date(nowMs).toISOString(), epics, brokerWatchlistId: list.id });
  if (parsed.ok) return { ok: true, record: parsed.record as WatchlistRecord };
  return { ok: false, reason: parsed.problems.map((problem) => `${problem.path}: ${problem.reason}`).join('; ') };
}

function planImport(list: BrokerWatchlist, id: string, nowMs: number, reason: string, conflicts: string[] = []): WatchlistSyncStep {
  const built = importedRecord(list, id, nowMs);
  if (!built.ok) return { action: 'refuse', brokerWatchlistId: list.id, reason, conflicts: [`broker watchlist ${list.id} ('${list.name}') cannot be kept as a record: ${built.reason}`] };
  return { action: 'import', brokerWatchlistId: list.id, record: built.record, reason, conflicts };
}

/** A read-only broker watchlist is followed: local changes cannot be pushed, so they give way. */
function followBroker(record: WatchlistRecord, brokerEpics: readonly string[]): WatchlistDiff {
  const broker = distinctNormalised(brokerEpics);
  const inBroker = new Set(broker);
  const inLocal = new Set(record.epics);
  const kept = record.epics.filter((epic) => inBroker.has(epic));
  const toAddLocally = broker.filter((epic) => !inLocal.has(epic));
  return { toAddOnBroker: [], toRemoveOnBroker: [], toAddLocally, toRemoveLocally: record.epics.filter((epic) => !inBroker.has(epic)), merged: [...kept, ...toAddLocally] };
}

function planMerge(record: WatchlistRecord, list: BrokerWatchlist, state: WatchlistSyncState | undefined, link: boolean): WatchlistSyncStep {
  const synced = state !== undefined && !state.detached && state.recordId === record.id;
  const base = synced ? state.baseEpics : [];
  const reason = link ? `adopted broker watchlist ${list.id}, which has the same name` : synced ? 'synced before: three-way merge with the last sync' : 'first sync: the union of both sides';
  let diff: WatchlistDiff;
  try {
    diff = diffWatchlist(record.epics, list.epics, base);
  } catch (error) {
    if (!(error instanceof ChartConfigError) && !(error instanceof InstrumentIdError)) throw error;
    return { action: 'refuse', brokerWatchlistId: list.id, recordId: record.id, reason, conflicts: [`cannot compare watchlist '${record.id}' with broker watchlist ${list.id}: ${error.message}`] };
  }
  const conflicts: string[] = [];
  if (!list.editable) {
    const dropped = diff.toAddOnBroker;
    const restored = diff.toRemoveOnBroker;
    if (dropped.length + restored.length > 0) {
      const parts = [dropped.length > 0 ? `added here and dropped: ${quoteList(dropped)}` : '', restored.length > 0 ? `removed here and restored: ${quoteList(restored)}` : ''].filter(Boolean);
      conflicts.push(`broker watchlist ${list.id} is read-only, so the local list follows it (${parts.join('; ')}); the earlier version is in the history`);
    }
    diff = followBroker(record, list.epics);
  }
  if (diff.merged.length > WATCHLIST_EPICS_MAX) {
    return {
      action: 'refuse',
      brokerWatchlistId: list.id,
      recordId: record.id,
      reason,
      conflicts: [`watchlist '${record.id}' and broker watchlist ${list.id} together hold ${diff.merged.length} epics, more than ${WATCHLIST_EPICS_MAX}: remove some on either side, then sync again`],
    };
  }
  return { action: 'merge', brokerWatchlistId: list.id, record, diff, link, reason, conflicts };
}

function planCreate(record: WatchlistRecord, reason: string, conflicts: string[], replaces?: string): WatchlistSyncStep {
  if (record.name.length > BROKER_WATCHLIST_NAME_MAX_CHARS) {
    return { action: 'refuse', recordId: record.id, reason, conflicts: [...conflicts, `watchlist '${record.id}' is named '${record.name}' (${record.name.length} characters); the broker takes at most ${BROKER_WATCHLIST_NAME_MAX_CHARS}: rename it, then sync again`] };
  }
  return { action: 'create-on-broker', record, reason, conflicts, ...(replaces !== undefined ? { replaces } : {}) };
}

function checkBounds(input: WatchlistSyncPlanInput): void {
  if (input.broker.length > BROKER_WATCHLISTS_PER_SYNC_MAX) throw new ChartConfigError(`the account has ${input.broker.length} watchlists, more than one sync reads (${BROKER_WATCHLISTS_PER_SYNC_MAX})`);
  if ((input.publish ?? []).length > PUBLISH_PER_SYNC_MAX) throw new ChartConfigError(`${(input.publish ?? []).length} watchlists to publish, more than one sync creates (${PUBLISH_PER_SYNC_MAX})`);
  for (const list of input.broker) if (list.epics.length > WATCHLIST_SYNC_EPICS_MAX) throw new ChartConfigError(`broker watchlist ${list.id} holds ${list.epics.length} epics, more than ${WATCHLIST_SYNC_EPICS_MAX}`);
  const ids = new Set<string>();
  for (const list of input.broker) {
    if (ids.has(list.id)) throw new ChartConfigError(`the broker listed watchlist ${list.id} twice`);
    ids.add(list.id);
  }
}

/**
 * One step per watchlist, in this order: publish requests, records whose broker watchlist is
 * gone, the broker's watchlists in broker order, then states gone on both sides. Each broker
 * watchlist and each record gets at most one step.
 */
export function planWatchlistSync(input: WatchlistSyncPlanInput): WatchlistSyncStep[] {
  checkBounds(input);
  const brokerById = new Map(input.broker.map((list) => [list.id, list]));
  const stateById = new Map(input.states.map((state) => [state.brokerWatchlistId, state]));
  const recordById = new Map(input.local.map((record) => [record.id, record]));
  const linkedTo = new Map<string, WatchlistRecord[]>();
  for (const record of input.local) {
    if (record.brokerWatchlistId === undefined) continue;
    linkedTo.set(record.brokerWatchlistId, [...(linkedTo.get(record.brokerWatchlistId) ?? []), record]);
  }
  const takenIds = new Set([...recordById.keys(), ...input.states.map((state) => state.recordId)]);
  const handledLists = new Set<string>();
  const steps: WatchlistSyncStep[] = [];

  /** The one broker list of this name nobody syncs with: what a watchlist created before (a retried sync, a person) looks like. */
  const freeListNamed = (name: string): BrokerWatchlist | undefined => {
    const free = input.broker.filter((list) => list.name === name && !linkedTo.has(list.id) && !handledLists.has(list.id) && stateById.get(list.id)?.detached !== false);
    return free.length === 1 ? free[0] : undefined;
  };
  /** Created on the broker, or adopted when a free list of the same name is there already. */
  const createOrAdopt = (record: WatchlistRecord, reason: string, conflicts: string[], replaces?: string): WatchlistSyncStep => {
    const free = freeListNamed(record.name);
    if (free === undefined) return planCreate(record, reason, conflicts, replaces);
    handledLists.add(free.id);
    const step = planMerge(record, free, undefined, true);
    return { ...step, conflicts: [...conflicts, ...step.conflicts] };
  };

  for (const id of new Set(input.publish ?? [])) {
    const record = recordById.get(id);
    if (!record) {
      steps.push({ action: 'refuse', recordId: id, reason: 'asked to publish', conflicts: [`no watchlist '${id}' to publish: \`recon charts list --kind watchlist\` shows them`] });
    } else if (record.brokerWatchlistId === undefined) {
      steps.push(createOrAdopt(record, 'asked to publish', []));
    } else if (!brokerById.has(record.brokerWatchlistId)) {
      steps.push({ action: 'refuse', recordId: id, reason: 'asked to publish', conflicts: [`watchlist '${id}' syncs with broker watchlist ${record.brokerWatchlistId}, which is not on this account: remove its brokerWatchlistId to publish it here`] });
    } // else: on the broker already, synced below
  }

  // Records whose broker list is gone come before the broker's lists, so a list one of them created before is adopted, not imported.
  for (const record of input.local) {
    const brokerId = record.brokerWatchlistId;
    if (brokerId === undefined || brokerById.has(brokerId) || steps.some((step) => step.action === 'refuse' && step.recordId === record.id)) continue;
    const state = stateById.get(brokerId);
    const reason = `broker watchlist ${brokerId} was deleted on the broker`;
    if (state === undefined || state.detached || state.recordId !== record.id) {
      steps.push({ action: 'skip', brokerWatchlistId: brokerId, recordId: record.id, reason: `broker watchlist ${brokerId} is not on this account`, conflicts: [] });
    } else if (sameEpics(record.epics, state.baseEpics)) {
      steps.push({ action: 'delete-locally', brokerWatchlistId: brokerId, record, reason, conflicts: [] });
    } else {
      steps.push(createOrAdopt(record, reason, [`broker watchlist ${brokerId} was deleted on the broker but watchlist '${record.id}' changed here since the last sync: it is created again`], brokerId));
    }
  }

  for (const list of input.broker) {
    if (handledLists.has(list.id)) continue;
    const linked = linkedTo.get(list.id) ?? [];
    const state = stateById.get(list.id);
    if (linked.length > 1) {
      steps.push({ action: 'refuse', brokerWatchlistId: list.id, reason: 'linked twice', conflicts: [`watchlists ${linked.map((r) => `'${r.id}'`).join(' and ')} all sync with broker watchlist ${list.id}: keep the brokerWatchlistId on one of them`] });
    } else if (linked.length === 1) {
      steps.push(planMerge(linked[0] as WatchlistRecord, list, state, false));
    } else if (state === undefined) {
      const id = uniqueRecordId(list.name, list.id, takenIds);
      takenIds.add(id);
      steps.push(planImport(list, id, input.nowMs, 'new on the broker'));
    } else if (state.detached) {
      continue;
    } else if (recordById.has(state.recordId)) {
      steps.push({ action: 'detach', brokerWatchlistId: list.id, recordId: state.recordId, reason: `watchlist '${state.recordId}' no longer syncs with it`, conflicts: [] });
    } else if (sameEpics(list.epics, state.baseEpics)) {
      steps.push(
        list.deleteable
          ? { action: 'delete-on-broker', brokerWatchlistId: list.id, recordId: state.recordId, reason: `watchlist '${state.recordId}' was deleted here`, conflicts: [] }
          : { action: 'detach', brokerWatchlistId: list.id, recordId: state.recordId, reason: `watchlist '${state.recordId}' was deleted here`, conflicts: [`broker watchlist ${list.id} cannot be deleted on the broker; it is no longer synced`] },
      );
    } else {
      steps.push(planImport(list, state.recordId, input.nowMs, `watchlist '${state.recordId}' was deleted here`, [`watchlist '${state.recordId}' was deleted here but broker watchlist ${list.id} changed since the last sync: it is back as '${state.recordId}'; delete it again if it should go`]));
    }
  }

  for (const state of input.states) {
    if (brokerById.has(state.brokerWatchlistId) || linkedTo.has(state.brokerWatchlistId)) continue;
    steps.push({ action: 'forget', brokerWatchlistId: state.brokerWatchlistId, recordId: state.recordId, reason: 'gone on both sides', conflicts: [] });
  }
  return steps;
}

/**
 * The base the next sync compares against: the epics both sides hold after this one, plus the
 * removals that did not happen (a removal the broker refused, or a broker removal the local save
 * missed), so the next sync tries them again rather than reading them as additions.
 */
export function baseAfterSync(sides: { localEpics: readonly string[]; brokerEpics: readonly string[]; pendingRemovals?: readonly string[] }): string[] {
  const broker = new Set(sides.brokerEpics);
  const base = new Set(sides.localEpics.filter((epic) => broker.has(epic)));
  for (const epic of sides.pendingRemovals ?? []) base.add(epic);
  return [...base];
}

/** The record's next version holding `epics` (and, when given, the broker watchlist it now syncs with). */
export function nextWatchlistVersion(record: WatchlistRecord, change: { epics: readonly string[]; brokerWatchlistId?: string; nowMs: number }): WatchlistRecord {
  return { ...record, version: record.version + 1, updatedAt: new Date(change.nowMs).toISOString(), epics: [...change.epics], ...(change.brokerWatchlistId !== undefined ? { brokerWatchlistId: change.brokerWatchlistId } : {}) };
}

export type WatchlistSyncOutcome = 'in-step' | 'synced' | 'imported' | 'created-on-broker' | 'deleted-locally' | 'deleted-on-broker' | 'detached' | 'forgotten' | 'skipped' | 'refused';

/** What one step did. */
export interface WatchlistSyncItem {
  outcome: WatchlistSyncOutcome;
  brokerWatchlistId?: string;
  recordId?: string;
  reason: string;
  addedOnBroker: string[];
  removedOnBroker: string[];
  addedLocally: string[];
  removedLocally: string[];
  /** The record's version after the sync, when it has one. */
  recordVersion?: number;
  conflicts: string[];
}

export interface WatchlistSyncReport {
  accountId: string;
  syncId: string;
  brokerWatchlists: number;
  localWatchlists: number;
  /** Items that changed something on either side. */
  changed: number;
  inStep: number;
  conflicts: number;
  /** Every step but the in-step ones without conflicts. */
  items: WatchlistSyncItem[];
}

export function emptyItem(outcome: WatchlistSyncOutcome, step: Pick<WatchlistSyncItem, 'reason'> & { brokerWatchlistId?: string; recordId?: string; conflicts?: readonly string[] }): WatchlistSyncItem {
  return {
    outcome,
    ...(step.brokerWatchlistId !== undefined ? { brokerWatchlistId: step.brokerWatchlistId } : {}),
    ...(step.recordId !== undefined ? { recordId: step.recordId } : {}),
    reason: step.reason,
    addedOnBroker: [],
    removedOnBroker: [],
    addedLocally: [],
    removedLocally: [],
    conflicts: [...(step.conflicts ?? [])],
  };
}

const UNCHANGING: ReadonlySet<WatchlistSyncOutcome> = new Set(['in-step', 'skipped', 'refused']);

export function summariseWatchlistSync(head: Pick<WatchlistSyncReport, 'accountId' | 'syncId' | 'brokerWatchlists' | 'localWatchlists'>, items: readonly WatchlistSyncItem[]): WatchlistSyncReport {
  return {
    ...head,
    changed: items.filter((item) => !UNCHANGING.has(item.outcome)).length,
    inStep: items.filter((item) => item.outcome === 'in-step').length,
    conflicts: items.reduce((sum, item) => sum + item.conflicts.length, 0),
    items: items.filter((item) => item.outcome !== 'in-step' || item.conflicts.length > 0),
  };
}

/** `watchlist-sync:{accountId}:{requestedAtMs}`: one per request, the same for a retried start of it. */
export function watchlistSyncWorkflowId(accountId: string, requestedAtMs: number): string {
  if (!Number.isSafeInteger(requestedAtMs) || requestedAtMs < 0) throw new ChartConfigError(`requestedAtMs must be UTC epoch milliseconds, got ${requestedAtMs}`);
  return `watchlist-sync:${accountId}:${requestedAtMs}`;
}
