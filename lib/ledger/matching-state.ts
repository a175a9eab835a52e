/**
 * What the matching stages share: indexes over the inputs, which broker records and book entries
 * are already settled, and the matches and exceptions found so far. A record or entry is settled
 * at most once, by a match or by an exception; a later stage only sees what is still open.
 */
import { type MatchingRules, type RuleName, ruleId } from './matching-rules';
import { type BookEntry, type BrokerRecord, type Match, type MatchException, type MatchExceptionKind, type MatchStrategy } from './matching-types';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export class MatchingInputError extends Error {
  override name = 'MatchingInputError';
}

export interface MatchingState {
  rules: MatchingRules;
  /** Broker records per reference, sorted by key. */
  brokerByReference: Map<string, BrokerRecord[]>;
  /** Which entry first claimed each reference (duplicates name it). */
  referenceClaimedBy: Map<string, string>;
  settledBrokerKeys: Set<string>;
  settledEntryIds: Set<string>;
  matches: Match[];
  exceptions: MatchException[];
}

/** Code-unit order: the same in every locale, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function utcDayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export function absMinor(value: bigint): bigint {
  return value < 0n ? -value : value;
}

export function sumMinor(records: readonly BrokerRecord[]): bigint {
  let total = 0n;
  for (const record of records) total += record.amountMinor;
  return total;
}

export function byKey(a: BrokerRecord, b: BrokerRecord): number {
  return compareText(a.key, b.key);
}

/** Books are processed in booking order, so the first of two duplicates is the earlier one. */
export function byBookingOrder(a: BookEntry, b: BookEntry): number {
  return a.bookedAtMs - b.bookedAtMs || compareText(a.entryId, b.entryId);
}

export function createMatchingState(broker: readonly BrokerRecord[], book: readonly BookEntry[], rules: MatchingRules): MatchingState {
  const keys = new Set<string>();
  const brokerByReference = new Map<string, BrokerRecord[]>();
  for (const record of broker) {
    if (keys.has(record.key)) throw new MatchingInputError(`broker record key '${record.key}' appears twice`);
    keys.add(record.key);
    const group = brokerByReference.get(record.reference);
    if (group) group.push(record);
    else brokerByReference.set(record.reference, [record]);
  }
  for (const group of brokerByReference.values()) group.sort(byKey);
  const entryIds = new Set<string>();
  for (const entry of book) {
    if (entryIds.has(entry.entryId)) throw new MatchingInputError(`book entry id '${entry.entryId}' appears twice`);
    entryIds.add(entry.entryId);
  }
  return { rules, brokerByReference, referenceClaimedBy: new Map(), settledBrokerKeys: new Set(), settledEntryIds: new Set(), matches: [], exceptions: [] };
}

function settle(state: MatchingState, records: readonly BrokerRecord[], entries: readonly BookEntry[]): { brokerKeys: string[]; bookEntryIds: string[] } {
  for (const record of records) {
    if (state.settledBrokerKeys.has(record.key)) throw new Error(`invariant: broker record ${record.key} settled twice`);
    state.settledBrokerKeys.add(record.key);
  }
  for (const entry of entries) {
    if (state.settledEntryIds.has(entry.entryId)) throw new Error(`invariant: book entry ${entry.entryId} settled twice`);
    state.settledEntryIds.add(entry.entryId);
  }
  return { brokerKeys: records.map((r) => r.key).sort(compareText), bookEntryIds: entries.map((e) => e.entryId).sort(compareText) };
}

/** Every strategy matches exactly one book entry, so the entry names the match. */
export function recordMatch(state: MatchingState, entry: BookEntry, records: readonly BrokerRecord[], rule: RuleName, differenceMinor: bigint): void {
  // An unreferenced entry can only be a daily sum, N:1 even on a day with one record.
  const strategy: MatchStrategy = entry.brokerReferences.length === 0 ? 'N:1' : records.length === 1 ? '1:1' : '1:N';
  const ids = settle(state, records, [entry]);
  state.matches.push({ matchId: `${state.rules.version}:match:${entry.entryId}`, strategy, rule: ruleId(rule, state.rules), ...ids, differenceMinor });
}

export interface ExceptionInput {
  kind: MatchExceptionKind;
  rule: RuleName;
  reason: string;
  /** The entry id or broker key the exception is about; unique per kind. */
  subject: string;
  records: readonly BrokerRecord[];
  entries: readonly BookEntry[];
  differenceMinor?: bigint;
  /**
   * What the exception settles. A timing difference flags a match that already settled both
   * sides ('none'); a duplicate settles its entry but points at records a match already holds.
   */
  settles?: 'all' | 'entries' | 'none';
}

export function recordException(state: MatchingState, input: ExceptionInput): void {
  const settles = input.settles ?? 'all';
  const ids = settle(state, settles === 'all' ? input.records : [], settles === 'none' ? [] : input.entries);
  ids.brokerKeys = input.records.map((r) => r.key).sort(compareText);
  ids.bookEntryIds = input.entries.map((e) => e.entryId).sort(compareText);
  const exception: MatchException = {
    exceptionId: `${state.rules.version}:${input.kind}:${input.subject}`,
    kind: input.kind,
    reason: input.reason,
    rule: ruleId(input.rule, state.rules),
    ...ids,
  };
  if (input.differenceMinor !== undefined) exception.differenceMinor = input.differenceMinor;
  state.exceptions.push(exception);
}
