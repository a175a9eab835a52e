import { ApplicationFailure } from '@temporalio/common';
import { type CapitalClient, CapitalRequestError } from '../lib/capital';
import { normaliseEpic } from '../lib/ledger/instrument-id';
import { ChartConfigError, type WatchlistRecord } from '../lib/market/chart-config';
import {
  baseAfterSync,
  BROKER_WATCHLISTS_PER_SYNC_MAX,
  emptyItem,
  nextWatchlistVersion,
  planWatchlistSync,
  summariseWatchlistSync,
  type BrokerWatchlist,
  type WatchlistSyncItem,
  type WatchlistSyncReport,
  type WatchlistSyncState,
  type WatchlistSyncStep,
} from '../lib/market/watchlist-sync';
import {
  ChartVersionConflictError,
  deleteChartRecord,
  findChartRecord,
  forgetWatchlistSyncState,
  listChartRecords,
  loadWatchlistSyncStates,
  saveChartRecord,
  saveWatchlistSyncState,
  storedVersionOf,
} from '../lib/store/chart-configs';
import { withCapitalFailures } from './capital-failures';
import { heartbeat } from './heartbeat';
import type { ReconActivityDeps } from './index';

export interface WatchlistSyncInput {
  accountId: string;
  /** The workflow's id: names the sync in the report and the logs. */
  syncId: string;
  /** Local-only watchlist ids to create on the broker. */
  publish?: string[];
}

type StepOf<A extends WatchlistSyncStep['action']> = Extract<WatchlistSyncStep, { action: A }>;

/** A record that failed to link to its new broker watchlist is read again this many times. */
const LINK_ATTEMPTS_MAX = 3;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const right = new Set(b);
  return a.length === right.size && a.every((value) => right.has(value));
}

/** The record changed or is invalid: a person looks, the rest of the sync goes on. */
function isRecordRefusal(error: unknown): error is Error {
  return error instanceof ChartVersionConflictError || error instanceof ChartConfigError;
}

/**
 * The two-way watchlist sync of one account (lib/market/watchlist-sync.ts plans it): reads the
 * broker's watchlists and ours, then applies each step, local side first, so a retried attempt
 * re-plans from what the first one left and repeats nothing.
 */
export function createWatchlistActivities(deps: Pick<ReconActivityDeps, 'db' | 'log' | 'capitalFor'>) {
  const { db } = deps;

  async function readBroker(client: CapitalClient): Promise<BrokerWatchlist[]> {
    const { watchlists } = await client.watchlists();
    if (watchlists.length > BROKER_WATCHLISTS_PER_SYNC_MAX) throw ApplicationFailure.nonRetryable(`the account has ${watchlists.length} watchlists, more than one sync reads (${BROKER_WATCHLISTS_PER_SYNC_MAX})`, 'TooManyWatchlists');
    const lists: BrokerWatchlist[] = [];
    for (const list of watchlists) {
      try {
        const { markets } = await client.watchlist(list.id);
        lists.push({ id: list.id, name: list.name, editable: list.editable, deleteable: list.deleteable, epics: markets.map((market) => normaliseEpic(market.epic)) });
      } catch (error) {
        // Deleted between the list and the read: it is not there.
        if (!(error instanceof CapitalRequestError && error.status === 404)) throw error;
      }
      heartbeat({ brokerWatchlistsRead: lists.length });
    }
    return lists;
  }

  async function syncAccountWatchlists(input: WatchlistSyncInput): Promise<WatchlistSyncReport> {
    const client = deps.capitalFor(input.accountId);
    const broker = await readBroker(client);
    const local = (await listChartRecords(db, { kind: 'watchlist' })).map((stored) => stored.record as WatchlistRecord);
    const states = await loadWatchlistSyncStates(db, input.accountId);
    const nowMs = Date.now();
    let steps: WatchlistSyncStep[];
    try {
      steps = planWatchlistSync({ local, broker, states, publish: input.publish ?? [], nowMs });
    } catch (error) {
      if (error instanceof ChartConfigError) throw ApplicationFailure.nonRetryable(error.message, 'WatchlistSyncRefused');
      throw error;
    }
    const brokerById = new Map(broker.map((list) => [list.id, list]));
    const stateById = new Map(states.map((state) => [state.brokerWatchlistId, state]));
    const context: ApplyContext = { client, accountId: input.accountId, nowMs, brokerById, stateById };
    const items: WatchlistSyncItem[] = [];
    for (const step of steps) {
      items.push(await applyStep(step, context));
      heartbeat({ steps: items.length, of: steps.length });
    }
    const report = summariseWatchlistSync({ accountId: input.accountId, syncId: input.syncId, brokerWatchlists: broker.length, localWatchlists: local.length }, items);
    deps.log.info({ accountId: input.accountId, syncId: input.syncId, changed: report.changed, inStep: report.inStep, conflicts: report.conflicts }, 'watchlists synced');
    return report;
  }

  interface ApplyContext {
    client: CapitalClient;
    accountId: string;
    nowMs: number;
    brokerById: ReadonlyMap<string, BrokerWatchlist>;
    stateById: ReadonlyMap<string, WatchlistSyncState>;
  }

  function applyStep(step: WatchlistSyncStep, context: ApplyContext): Promise<WatchlistSyncItem> {
    switch (step.action) {
      case 'merge':
        return merge(step, context);
      case 'import':
        return importList(step, context);
      case 'create-on-broker':
        return createOnBroker(step, context);
      case 'delete-locally':
        return deleteLocally(step, context);
      case 'delete-on-broker':
        return deleteOnBroker(step, context);
      case 'detach':
        return detach(step, context);
      case 'forget':
        return forgetGone(step, context);
      case 'refuse':
        return Promise.resolve(emptyItem('refused', step));
      case 'skip':
        return Promise.resolve(emptyItem('skipped', step));
    }
  }

  async function merge(step: StepOf<'merge'>, context: ApplyContext): Promise<WatchlistSyncItem> {
    const { record, diff, brokerWatchlistId } = step;
    const item = emptyItem('in-step', { ...step, recordId: record.id });
    item.recordVersion = record.version;
    if (step.link || !sameList(diff.merged, record.epics)) {
      const next = nextWatchlistVersion(record, { epics: diff.merged, nowMs: context.nowMs, ...(step.link ? { brokerWatchlistId } : {}) });
      try {
        await saveChartRecord(db, next, { expectedVersion: record.version, nowMs: context.nowMs, source: 'sync' });
      } catch (error) {
        if (!isRecordRefusal(error)) throw error;
        return { ...item, outcome: 'refused', conflicts: [...item.conflicts, `watchlist '${record.id}' was not updated: ${error.message}; nothing was changed on either side, sync again`] };
      }
      item.recordVersion = next.version;
      item.addedLocally = diff.toAddLocally;
      item.removedLocally = diff.toRemoveLocally;
    }

    const failedRemovals: string[] = [];
    for (const epic of diff.toAddOnBroker) {
      try {
        await context.client.addToWatchlist(brokerWatchlistId, epic);
        item.addedOnBroker.push(epic);
      } catch (error) {
        if (!(error instanceof CapitalRequestError)) throw error;
        item.conflicts.push(`the broker refused to add ${epic} to watchlist ${brokerWatchlistId} (${error.status} ${error.code}): it stays in '${record.id}' and the next sync tries again; remove it here if the broker does not offer it`);
      }
    }
    for (const epic of diff.toRemoveOnBroker) {
      try {
        await context.client.removeFromWatchlist(brokerWatchlistId, epic);
        item.removedOnBroker.push(epic);
      } catch (error) {
        if (!(error instanceof CapitalRequestError)) throw error;
        if (error.code === 'error.not-found.epic') {
          item.removedOnBroker.push(epic); // gone already
          continue;
        }
        failedRemovals.push(epic);
        item.conflicts.push(`the broker refused to remove ${epic} from watchlist ${brokerWatchlistId} (${error.status} ${error.code}): the next sync tries again`);
      }
    }

    const brokerBefore = context.brokerById.get(brokerWatchlistId)?.epics ?? [];
    const removed = new Set(item.removedOnBroker);
    const brokerAfter = [...brokerBefore.filter((epic) => !removed.has(epic)), ...item.addedOnBroker];
    const base = baseAfterSync({ localEpics: diff.merged, brokerEpics: brokerAfter, pendingRemovals: failedRemovals });
    const previous = context.stateById.get(brokerWatchlistId);
    if (!previous || previous.detached || previous.recordId !== record.id || !sameSet(base, [...previous.baseEpics])) {
      await saveWatchlistSyncState(db, context.accountId, { brokerWatchlistId, recordId: record.id, baseEpics: base, detached: false }, context.nowMs);
    }
    const changed = step.link || item.addedLocally.length + item.removedLocally.length + item.addedOnBroker.length + item.removedOnBroker.length > 0;
    return { ...item, outcome: changed ? 'synced' : 'in-step' };
  }

  async function importList(step: StepOf<'import'>, context: ApplyContext): Promise<WatchlistSyncItem> {
    const item = emptyItem('imported', { ...step, recordId: step.record.id });
    const stored = await storedVersionOf(db, 'watchlist', step.record.id);
    const record: WatchlistRecord = { ...step.record, version: stored.version + 1 };
    try {
      if (stored.version > 0 && !stored.deleted) throw new ChartConfigError(`watchlist '${record.id}' was created while the sync ran`);
      await saveChartRecord(db, record, { expectedVersion: stored.version, nowMs: context.nowMs, source: 'sync' });
    } catch (error) {
      if (!isRecordRefusal(error)) throw error;
      return { ...item, outcome: 'refused', conflicts: [...item.conflicts, `broker watchlist ${step.brokerWatchlistId} was not imported: ${error.message}; sync again`] };
    }
    await saveWatchlistSyncState(db, context.accountId, { brokerWatchlistId: step.brokerWatchlistId, recordId: record.id, baseEpics: record.epics, detached: false }, context.nowMs);
    return { ...item, addedLocally: [...record.epics], recordVersion: record.version };
  }

  /** Sets `brokerWatchlistId` on the newest version of the record; a concurrent edit is read again. */
  async function linkRecord(recordId: string, brokerWatchlistId: string, replaces: string | undefined, nowMs: number): Promise<{ version?: number; problem?: string }> {
    for (let attempt = 0; attempt < LINK_ATTEMPTS_MAX; attempt++) {
      const current = await findChartRecord(db, 'watchlist', recordId);
      if (!current) return { problem: `watchlist '${recordId}' was deleted while the sync ran` };
      const record = current.record as WatchlistRecord;
      if (record.brokerWatchlistId === brokerWatchlistId) return { version: record.version };
      if (record.brokerWatchlistId !== undefined && record.brokerWatchlistId !== replaces) return { problem: `watchlist '${recordId}' was linked to broker watchlist ${record.brokerWatchlistId} while the sync ran` };
      try {
        const next = nextWatchlistVersion(record, { epics: record.epics, brokerWatchlistId, nowMs });
        await saveChartRecord(db, next, { expectedVersion: record.version, nowMs, source: 'sync' });
        return { version: next.version };
      } catch (error) {
        if (!(error instanceof ChartVersionConflictError)) throw error;
      }
    }
    return { problem: `watchlist '${recordId}' kept changing while the sync ran` };
  }

  async function createOnBroker(step: StepOf<'create-on-broker'>, context: ApplyContext): Promise<WatchlistSyncItem> {
    const { record } = step;
    const item = emptyItem('created-on-broker', { ...step, recordId: record.id });
    let watchlistId: string;
    try {
      ({ watchlistId } = await context.client.createWatchlist(record.name, [...record.epics]));
    } catch (error) {
      if (!(error instanceof CapitalRequestError)) throw error;
      return { ...item, outcome: 'refused', conflicts: [...item.conflicts, `the broker refused to create watchlist '${record.name}' (${error.status} ${error.code})`] };
    }
    const { markets } = await context.client.watchlist(watchlistId);
    const accepted = markets.map((market) => normaliseEpic(market.epic));
    const taken = new Set(accepted);
    const left = record.epics.filter((epic) => !taken.has(epic));
    if (left.length > 0) item.conflicts.push(`the broker did not take ${left.join(', ')} into watchlist ${watchlistId}: they stay in '${record.id}' and the next sync tries again`);
    const linked = await linkRecord(record.id, watchlistId, step.replaces, context.nowMs);
    if (linked.problem !== undefined) {
      // Unlinked, the new broker watchlist is imported by the next sync as a record of its own.
      item.conflicts.push(`${linked.problem}: broker watchlist ${watchlistId} was created but not linked`);
      return { ...item, brokerWatchlistId: watchlistId, addedOnBroker: accepted };
    }
    await saveWatchlistSyncState(db, context.accountId, { brokerWatchlistId: watchlistId, recordId: record.id, baseEpics: baseAfterSync({ localEpics: record.epics, brokerEpics: accepted }), detached: false }, context.nowMs);
    if (step.replaces !== undefined) await forgetWatchlistSyncState(db, context.accountId, step.replaces);
    return { ...item, brokerWatchlistId: watchlistId, addedOnBroker: accepted, ...(linked.version !== undefined ? { recordVersion: linked.version } : {}) };
  }

  async function deleteLocally(step: StepOf<'delete-locally'>, context: ApplyContext): Promise<WatchlistSyncItem> {
    const item = emptyItem('deleted-locally', { ...step, recordId: step.record.id });
    try {
      const deleted = await deleteChartRecord(db, 'watchlist', step.record.id, { expectedVersion: step.record.version, nowMs: context.nowMs, source: 'sync' });
      if (deleted) item.recordVersion = deleted.version;
    } catch (error) {
      if (!isRecordRefusal(error)) throw error;
      return { ...item, outcome: 'refused', conflicts: [...item.conflicts, `watchlist '${step.record.id}' was not deleted: ${error.message}; sync again`] };
    }
    await forgetWatchlistSyncState(db, context.accountId, step.brokerWatchlistId);
    return { ...item, removedLocally: [...step.record.epics] };
  }

  async function deleteOnBroker(step: StepOf<'delete-on-broker'>, context: ApplyContext): Promise<WatchlistSyncItem> {
    const item = emptyItem('deleted-on-broker', step);
    try {
      await context.client.deleteWatchlist(step.brokerWatchlistId);
    } catch (error) {
      if (!(error instanceof CapitalRequestError)) throw error;
      if (error.status !== 404) return { ...item, outcome: 'refused', conflicts: [...item.conflicts, `the broker refused to delete watchlist ${step.brokerWatchlistId} (${error.status} ${error.code})`] };
    }
    await forgetWatchlistSyncState(db, context.accountId, step.brokerWatchlistId);
    return { ...item, removedOnBroker: [...(context.brokerById.get(step.brokerWatchlistId)?.epics ?? [])] };
  }

  async function detach(step: StepOf<'detach'>, context: ApplyContext): Promise<WatchlistSyncItem> {
    const state = context.stateById.get(step.brokerWatchlistId);
    await saveWatchlistSyncState(db, context.accountId, { brokerWatchlistId: step.brokerWatchlistId, recordId: step.recordId, baseEpics: state?.baseEpics ?? [], detached: true }, context.nowMs);
    return emptyItem('detached', step);
  }

  async function forgetGone(step: StepOf<'forget'>, context: ApplyContext): Promise<WatchlistSyncItem> {
    await forgetWatchlistSyncState(db, context.accountId, step.brokerWatchlistId);
    return emptyItem('forgotten', step);
  }

  return { syncAccountWatchlists: withCapitalFailures(syncAccountWatchlists) };
}
