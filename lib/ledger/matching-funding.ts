/**
 * Stage (b): overnight funding. The broker charges one funding record per position per night;
 * the books carry one unreferenced line per day for their sum (N:1). A line is matched with the
 * open funding records of its own UTC day; failing that, of the nearest day still inside the date
 * tolerance, which matches but is flagged as a timing difference. Within a day the hour of booking
 * does not matter: the daily line is booked after the charges it sums, by design.
 */
import { RULE } from './matching-rules';
import { type MatchingState, HOUR_MS, absMinor, byKey, recordException, recordMatch, sumMinor, utcDayOf } from './matching-state';
import { type BookEntry, type BrokerRecord } from './matching-types';

function groupKey(day: number, currency: string): string {
  return `${day}|${currency}`;
}

function openFundingByDay(state: MatchingState): Map<string, BrokerRecord[]> {
  const fundingTypes = new Set(state.rules.fundingTypes);
  const byDay = new Map<string, BrokerRecord[]>();
  for (const group of state.brokerByReference.values()) {
    for (const record of group) {
      if (!fundingTypes.has(record.transactionType) || state.settledBrokerKeys.has(record.key)) continue;
      const key = groupKey(utcDayOf(record.bookedAtMs), record.currency);
      const list = byDay.get(key);
      if (list) list.push(record);
      else byDay.set(key, [record]);
    }
  }
  for (const list of byDay.values()) list.sort(byKey);
  return byDay;
}

/** The entry's own day first, then nearer days before farther ones, earlier before later. */
function candidateDays(entry: BookEntry, toleranceHours: number): number[] {
  const own = utcDayOf(entry.bookedAtMs);
  const first = utcDayOf(entry.bookedAtMs - toleranceHours * HOUR_MS);
  const last = utcDayOf(entry.bookedAtMs + toleranceHours * HOUR_MS);
  const days = [own];
  // The tolerance is at most a week, so this runs at most eight times.
  for (let step = 1; own - step >= first || own + step <= last; step++) {
    if (own - step >= first) days.push(own - step);
    if (own + step <= last) days.push(own + step);
  }
  return days;
}

export function isFundingLine(state: MatchingState, entry: BookEntry): boolean {
  return entry.brokerReferences.length === 0 && state.rules.fundingCategories.includes(entry.category);
}

/** Runs stage (b) over entries already in booking order; unmatched lines are left open. */
export function matchFunding(state: MatchingState, entries: readonly BookEntry[]): void {
  const byDay = openFundingByDay(state);
  for (const entry of entries) {
    if (!isFundingLine(state, entry) || state.settledEntryIds.has(entry.entryId)) continue;
    const own = utcDayOf(entry.bookedAtMs);
    const day = candidateDays(entry, state.rules.dateToleranceHours).find((d) => byDay.has(groupKey(d, entry.currency)));
    if (day === undefined) continue;
    const key = groupKey(day, entry.currency);
    const records = byDay.get(key) as BrokerRecord[];
    byDay.delete(key);
    const differenceMinor = entry.amountMinor - sumMinor(records);
    if (absMinor(differenceMinor) > state.rules.amountToleranceMinor) {
      recordException(state, {
        kind: 'AMOUNT_MISMATCH',
        rule: RULE.amountTolerance,
        reason: `the funding line is ${differenceMinor} minor units off the sum of the day's ${records.length} funding records, beyond the tolerance of ${state.rules.amountToleranceMinor}`,
        subject: entry.entryId,
        records,
        entries: [entry],
        differenceMinor,
      });
      continue;
    }
    recordMatch(state, entry, records, differenceMinor === 0n ? RULE.fundingDailyExact : RULE.fundingDailyWithinTolerance, differenceMinor);
    if (day !== own) {
      recordException(state, {
        kind: 'TIMING_DIFFERENCE',
        rule: RULE.dateTolerance,
        reason: `the funding line is booked ${Math.abs(own - day)} UTC day(s) ${own > day ? 'after' : 'before'} the funding it sums`,
        subject: entry.entryId,
        records,
        entries: [entry],
        settles: 'none',
      });
    }
  }
}
