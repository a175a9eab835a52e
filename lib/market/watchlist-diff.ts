/**
 * The three-way diff of one watchlist's epics: ours, the broker's (`GET /watchlists/{id}`) and the
 * epics both held at the last sync. Pure; the sync that applies it is `watchlist-sync.ts`.
 * Rules: [CHART-CONFIG.md](CHART-CONFIG.md#watchlist-sync).
 */
import { normaliseEpic } from '../ledger/instrument-id';
import { ChartConfigError } from './chart-config-schemas';

/** Each side of a sync; far above the local limit, so a broker list longer than ours still diffs. */
export const WATCHLIST_SYNC_EPICS_MAX = 1_000;

export interface WatchlistDiff {
  /** `PUT /watchlists/{id}` with `{ epic }`, one call each; in local order. */
  toAddOnBroker: string[];
  /** `DELETE /watchlists/{id}/{epic}`; in broker order. */
  toRemoveOnBroker: string[];
  /** In broker order. */
  toAddLocally: string[];
  /** In local order. */
  toRemoveLocally: string[];
  /**
   * The local list once synced: local order kept, local removals dropped, broker additions
   * appended in broker order. It may hold more than `WATCHLIST_EPICS_MAX`; the record is then refused.
   */
  merged: string[];
}

function distinctEpics(epics: readonly string[], side: string): string[] {
  if (epics.length > WATCHLIST_SYNC_EPICS_MAX) throw new ChartConfigError(`the ${side} watchlist holds ${epics.length} epics, more than ${WATCHLIST_SYNC_EPICS_MAX}`);
  return [...new Set(epics.map(normaliseEpic))];
}

/**
 * A three-way diff of a watchlist's epics: `local` (our record), `broker` (the markets of
 * `GET /watchlists/{id}`), `base` (the epics both held at the last sync; empty when never synced).
 *
 * A change on one side beats no change: an epic added on one side is added to the other, an epic
 * removed on one side is removed from the other. The same change on both sides agrees. An add and
 * a remove of one epic cannot both happen (an add needs it absent from the base, a remove present),
 * so there is no membership conflict; order exists only locally and is kept. With an empty base
 * nothing is removed: without evidence of a removal, the union wins. Epics compare trimmed and upper case.
 */
export function diffWatchlist(local: readonly string[], broker: readonly string[], base: readonly string[] = []): WatchlistDiff {
  const localEpics = distinctEpics(local, 'local');
  const brokerEpics = distinctEpics(broker, 'broker');
  const inLocal = new Set(localEpics);
  const inBroker = new Set(brokerEpics);
  const inBase = new Set(distinctEpics(base, 'base'));

  const localOnly = localEpics.filter((epic) => !inBroker.has(epic));
  const brokerOnly = brokerEpics.filter((epic) => !inLocal.has(epic));
  const diff: WatchlistDiff = {
    toAddOnBroker: localOnly.filter((epic) => !inBase.has(epic)),
    toRemoveOnBroker: brokerOnly.filter((epic) => inBase.has(epic)),
    toAddLocally: brokerOnly.filter((epic) => !inBase.has(epic)),
    toRemoveLocally: localOnly.filter((epic) => inBase.has(epic)),
    merged: [],
  };
  const removedLocally = new Set(diff.toRemoveLocally);
  diff.merged = [...localEpics.filter((epic) => !removedLocally.has(epic)), ...diff.toAddLocally];

  // Both sides must end with the same epics.
  const removedOnBroker = new Set(diff.toRemoveOnBroker);
  const brokerAfter = new Set([...brokerEpics.filter((epic) => !removedOnBroker.has(epic)), ...diff.toAddOnBroker]);
  if (brokerAfter.size !== diff.merged.length || diff.merged.some((epic) => !brokerAfter.has(epic))) throw new Error('diffWatchlist: the two sides would not end with the same epics');
  return diff;
}
