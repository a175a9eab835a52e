/**
 * Matches the broker's records against the company's books with explicit, versioned rules.
 *
 * Stages, in this order (each only sees what the earlier ones left open):
 *   (a) reference: entries naming broker references ↔ those records (1:1, or 1:N for a trade and
 *       its commission); then an unbalanced one-reference trade may take its deal's unreferenced
 *       commission (1:N by deal id). Amounts outside tolerance → AMOUNT_MISMATCH; a reference
 *       claimed a second time → DUPLICATE; booked late → TIMING_DIFFERENCE on top of the match.
 *   (b) funding: unreferenced funding lines ↔ the sum of their UTC day's funding records (N:1).
 *   (c) leftovers: open broker records → MISSING_INTERNAL; open entries → MISSING_BROKER.
 *
 * Every broker record and book entry ends in exactly one match or one settling exception
 * (TIMING_DIFFERENCE only flags a match). Output is sorted by ids, so any input order gives the
 * same result. Work is O(n log n): maps by reference, deal and day, and one sort per list.
 */
import { type MatchingRules, DEFAULT_MATCHING_RULES, RULE, validateMatchingRules } from './matching-rules';
import { type MatchingState, byBookingOrder, compareText, createMatchingState, recordException } from './matching-state';
import { isFundingLine, matchFunding } from './matching-funding';
import { matchByReference } from './matching-reference';
import { type BookEntry, type BrokerRecord, type MatchingResult, type MatchingStats } from './matching-types';

export { DEFAULT_MATCHING_RULES, RULE, ruleId, validateMatchingRules, MatchingRulesError, DATE_TOLERANCE_HOURS_MAX, type MatchingRules, type RuleName } from './matching-rules';
export { MatchingInputError } from './matching-state';
export type { BookEntry, BrokerRecord, Match, MatchException, MatchExceptionKind, MatchStrategy, MatchingResult, MatchingStats } from './matching-types';

function settleLeftovers(state: MatchingState, broker: readonly BrokerRecord[], entries: readonly BookEntry[]): void {
  for (const record of broker) {
    if (state.settledBrokerKeys.has(record.key)) continue;
    recordException(state, {
      kind: 'MISSING_INTERNAL',
      rule: RULE.unmatchedBroker,
      reason: `the books have no entry for broker ${record.transactionType} ${record.reference}`,
      subject: record.key,
      records: [record],
      entries: [],
      differenceMinor: -record.amountMinor,
    });
  }
  for (const entry of entries) {
    if (state.settledEntryIds.has(entry.entryId)) continue;
    const reason = isFundingLine(state, entry)
      ? `no open broker funding records within the date tolerance of this ${entry.category} line`
      : `the entry names no broker reference and is not a funding line, so no broker record supports it`;
    recordException(state, { kind: 'MISSING_BROKER', rule: RULE.unmatchedBook, reason, subject: entry.entryId, records: [], entries: [entry], differenceMinor: entry.amountMinor });
  }
}

function statsOf(state: MatchingState, brokerRecords: number, bookEntries: number): MatchingStats {
  const stats: MatchingStats = {
    brokerRecords,
    bookEntries,
    matches: { '1:1': 0, '1:N': 0, 'N:1': 0 },
    exceptions: { MISSING_INTERNAL: 0, MISSING_BROKER: 0, AMOUNT_MISMATCH: 0, TIMING_DIFFERENCE: 0, DUPLICATE: 0 },
    matchedBrokerRecords: 0,
    matchedBookEntries: 0,
  };
  for (const match of state.matches) {
    stats.matches[match.strategy]++;
    stats.matchedBrokerRecords += match.brokerKeys.length;
    stats.matchedBookEntries += match.bookEntryIds.length;
  }
  for (const exception of state.exceptions) stats.exceptions[exception.kind]++;
  return stats;
}

export function matchRecords(broker: readonly BrokerRecord[], book: readonly BookEntry[], rules: MatchingRules = DEFAULT_MATCHING_RULES): MatchingResult {
  validateMatchingRules(rules);
  const state = createMatchingState(broker, book, rules);
  const entries = [...book].sort(byBookingOrder);
  matchByReference(state, entries);
  matchFunding(state, entries);
  const brokerInKeyOrder = [...broker].sort((a, b) => compareText(a.key, b.key));
  settleLeftovers(state, brokerInKeyOrder, entries);
  return {
    rulesVersion: rules.version,
    matches: state.matches.sort((a, b) => compareText(a.matchId, b.matchId)),
    exceptions: state.exceptions.sort((a, b) => compareText(a.exceptionId, b.exceptionId)),
    stats: statsOf(state, broker.length, book.length),
  };
}
