/**
 * Stage (a): book entries that name broker references. One reference ↔ its record (1:1); several
 * ↔ the sum of their records (1:N, a trade and its commission booked net). Each reference can be
 * claimed by one entry only: a later entry claiming it again is a duplicate. Entries run in
 * booking order, so "later" means booked later (then by entry id), whatever the input order.
 */
import { RULE } from './matching-rules';
import { type MatchingState, absMinor, byKey, compareText, recordException, recordMatch, sumMinor } from './matching-state';
import { flagTiming } from './matching-timing';
import { type BookEntry, type BrokerRecord } from './matching-types';

interface Unbalanced {
  entry: BookEntry;
  records: BrokerRecord[];
  differenceMinor: bigint;
}

function describeMinor(differenceMinor: bigint): string {
  return differenceMinor >= 0n ? `${differenceMinor} minor units above` : `${-differenceMinor} minor units below`;
}

function acceptMatch(state: MatchingState, entry: BookEntry, records: BrokerRecord[], differenceMinor: bigint, plusCommission: boolean): void {
  const rule = plusCommission ? RULE.referencePlusDealCommission : differenceMinor === 0n ? RULE.referenceExact : RULE.referenceWithinTolerance;
  recordMatch(state, entry, records, rule, differenceMinor);
  flagTiming(state, entry, records);
}

/** Settles one referencing entry now, or returns it when only the amount is off. */
function matchEntry(state: MatchingState, entry: BookEntry): Unbalanced | undefined {
  const references = [...new Set(entry.brokerReferences)].sort(compareText);
  const claimed = references.filter((reference) => state.referenceClaimedBy.has(reference));
  if (claimed.length > 0) {
    const firstClaims = [...new Set(claimed.map((reference) => state.referenceClaimedBy.get(reference) as string))].sort(compareText);
    recordException(state, {
      kind: 'DUPLICATE',
      rule: RULE.referenceClaimedOnce,
      reason: `references ${claimed.join(', ')} were already booked by ${firstClaims.join(', ')}`,
      subject: entry.entryId,
      records: claimed.flatMap((reference) => state.brokerByReference.get(reference) ?? []),
      entries: [entry],
      settles: 'entries',
    });
    return undefined;
  }
  const unknown = references.filter((reference) => !state.brokerByReference.has(reference));
  const records = references.flatMap((reference) => state.brokerByReference.get(reference) ?? []).sort(byKey);
  for (const reference of references) if (!unknown.includes(reference)) state.referenceClaimedBy.set(reference, entry.entryId);
  if (unknown.length > 0) {
    recordException(state, {
      kind: 'MISSING_BROKER',
      rule: RULE.unmatchedBook,
      reason: `the broker has no record with reference ${unknown.join(', ')}`,
      subject: entry.entryId,
      records,
      entries: [entry],
    });
    return undefined;
  }
  const foreign = records.filter((record) => record.currency !== entry.currency);
  if (foreign.length > 0) {
    recordException(state, {
      kind: 'AMOUNT_MISMATCH',
      rule: RULE.currencyEqual,
      reason: `booked in ${entry.currency} but the broker records are in ${[...new Set(foreign.map((r) => r.currency))].sort(compareText).join(', ')}`,
      subject: entry.entryId,
      records,
      entries: [entry],
    });
    return undefined;
  }
  const differenceMinor = entry.amountMinor - sumMinor(records);
  if (absMinor(differenceMinor) <= state.rules.amountToleranceMinor) {
    acceptMatch(state, entry, records, differenceMinor, false);
    return undefined;
  }
  return { entry, records, differenceMinor };
}

/** Open commission records of the group's deals, the ones no entry referenced. */
function openDealCommissions(state: MatchingState, commissionsByDeal: ReadonlyMap<string, BrokerRecord[]>, unbalanced: Unbalanced): BrokerRecord[] {
  const dealIds = [...new Set(unbalanced.records.map((r) => r.dealId).filter((id): id is string => id !== undefined))].sort(compareText);
  return dealIds
    .flatMap((dealId) => commissionsByDeal.get(dealId) ?? [])
    .filter((record) => !state.referenceClaimedBy.has(record.reference) && !state.settledBrokerKeys.has(record.key) && record.currency === unbalanced.entry.currency);
}

function indexCommissionsByDeal(state: MatchingState): Map<string, BrokerRecord[]> {
  const commissionTypes = new Set(state.rules.commissionTypes);
  const byDeal = new Map<string, BrokerRecord[]>();
  for (const group of state.brokerByReference.values()) {
    for (const record of group) {
      if (record.dealId === undefined || !commissionTypes.has(record.transactionType)) continue;
      const list = byDeal.get(record.dealId);
      if (list) list.push(record);
      else byDeal.set(record.dealId, [record]);
    }
  }
  for (const list of byDeal.values()) list.sort(byKey);
  return byDeal;
}

/**
 * Runs stage (a) over entries already in booking order. Amount mismatches wait until every
 * reference is claimed, then get one more chance: a trade booked net of a commission the entry
 * forgot to reference balances once that deal's unreferenced commission is added (1:N by deal id).
 */
export function matchByReference(state: MatchingState, entries: readonly BookEntry[]): void {
  const unbalanced: Unbalanced[] = [];
  for (const entry of entries) {
    if (entry.brokerReferences.length === 0) continue;
    const pending = matchEntry(state, entry);
    if (pending) unbalanced.push(pending);
  }
  if (unbalanced.length === 0) return;
  const commissionsByDeal = indexCommissionsByDeal(state);
  for (const pending of unbalanced) {
    const commissions = openDealCommissions(state, commissionsByDeal, pending);
    const widenedDifference = pending.differenceMinor - sumMinor(commissions);
    if (commissions.length > 0 && absMinor(widenedDifference) <= state.rules.amountToleranceMinor) {
      acceptMatch(state, pending.entry, [...pending.records, ...commissions].sort(byKey), widenedDifference, true);
      continue;
    }
    recordException(state, {
      kind: 'AMOUNT_MISMATCH',
      rule: RULE.amountTolerance,
      reason: `the books are ${describeMinor(pending.differenceMinor)} the broker, beyond the tolerance of ${state.rules.amountToleranceMinor}`,
      subject: pending.entry.entryId,
      records: pending.records,
      entries: [pending.entry],
      differenceMinor: pending.differenceMinor,
    });
  }
}
