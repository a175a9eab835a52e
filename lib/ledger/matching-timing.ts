/**
 * The date rule for a match: booked within `dateToleranceHours` of the broker, and (with the
 * cut-off on) on the same UTC day. A late booking still matches; it is flagged, not unmatched.
 */
import { RULE } from './matching-rules';
import { type MatchingState, HOUR_MS, recordException, utcDayOf } from './matching-state';
import { type BookEntry, type BrokerRecord } from './matching-types';

function describeDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return hours > 0 ? `${hours} h ${String(rest).padStart(2, '0')} min` : `${rest} min`;
}

/**
 * Compares the entry with the group's latest record: a trade-plus-commission line can only be
 * booked once the trade has closed, while its commission was charged at the open.
 */
export function flagTiming(state: MatchingState, entry: BookEntry, records: readonly BrokerRecord[]): void {
  let brokerMs = Number.NEGATIVE_INFINITY;
  for (const record of records) brokerMs = Math.max(brokerMs, record.bookedAtMs);
  const offsetMs = entry.bookedAtMs - brokerMs;
  const toleranceMs = state.rules.dateToleranceHours * HOUR_MS;
  const beyondTolerance = Math.abs(offsetMs) > toleranceMs;
  const otherDay = state.rules.sameUtcDayRequired && utcDayOf(entry.bookedAtMs) !== utcDayOf(brokerMs);
  if (!beyondTolerance && !otherDay) return;
  const direction = offsetMs >= 0 ? 'after' : 'before';
  const why = [beyondTolerance ? `beyond the ${state.rules.dateToleranceHours} h tolerance` : '', otherDay ? 'on another UTC day' : ''].filter(Boolean).join(' and ');
  recordException(state, {
    kind: 'TIMING_DIFFERENCE',
    rule: RULE.dateTolerance,
    reason: `booked ${describeDuration(offsetMs)} ${direction} the broker record, ${why}`,
    subject: entry.entryId,
    records,
    entries: [entry],
    settles: 'none',
  });
}
