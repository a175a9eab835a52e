/**
 * The versioned rule set that decides matches. Every match and exception records the rule that
 * decided it as `name@version`, so a stored result can always be explained, and a change of
 * tolerance is a new version rather than a silent change of meaning.
 */

export interface MatchingRules {
  /** Goes into every rule id and every match / exception id. */
  version: string;
  /** Largest |books − broker| still accepted as a match, minor units. */
  amountToleranceMinor: bigint;
  /** Largest |booked − broker time| still on time, whole hours. */
  dateToleranceHours: number;
  /**
   * Booking cut-off: an entry booked on another UTC day than its broker record sits in another
   * day's books (maybe another period), so it is a timing difference even inside the hour tolerance.
   */
  sameUtcDayRequired: boolean;
  /** Broker types booked as one line per day (N:1). */
  fundingTypes: readonly string[];
  /** Book categories of those daily lines. */
  fundingCategories: readonly string[];
  /** Broker types that may be folded into their trade's line by deal id (1:N). */
  commissionTypes: readonly string[];
}

export const DEFAULT_MATCHING_RULES: Readonly<MatchingRules> = Object.freeze({
  version: 'v1',
  amountToleranceMinor: 1n,
  dateToleranceHours: 1,
  sameUtcDayRequired: true,
  fundingTypes: Object.freeze(['SWAP']),
  fundingCategories: Object.freeze(['OVERNIGHT_FUNDING']),
  commissionTypes: Object.freeze(['TRADE_COMMISSION', 'TRADE_COMMISSION_GSL']),
});

/** A week: wider than that is not a tolerance, and it bounds the funding day search. */
export const DATE_TOLERANCE_HOURS_MAX = 168;

/** The names of the rules; ids are `name@version`. */
export const RULE = {
  /** A book entry and the broker records it references, amounts equal. */
  referenceExact: 'reference-exact',
  /** The same, amounts differ by no more than the tolerance. */
  referenceWithinTolerance: 'reference-within-tolerance',
  /** A one-reference trade line that only balances with its deal's unbooked commission. */
  referencePlusDealCommission: 'reference-plus-deal-commission',
  /** A day's funding line and that day's funding records, amounts equal. */
  fundingDailyExact: 'funding-daily-exact',
  /** The same, within the tolerance. */
  fundingDailyWithinTolerance: 'funding-daily-within-tolerance',
  /** Amounts differ by more than the tolerance. */
  amountTolerance: 'amount-tolerance',
  /** Currencies differ, so amounts cannot be compared. */
  currencyEqual: 'currency-equal',
  /** Booked outside the date tolerance or on another UTC day. */
  dateTolerance: 'date-tolerance',
  /** A broker reference may be matched by one book entry only. */
  referenceClaimedOnce: 'reference-claimed-once',
  /** A broker record no book entry covers. */
  unmatchedBroker: 'unmatched-broker',
  /** A book entry no broker record supports. */
  unmatchedBook: 'unmatched-book',
} as const;

export type RuleName = (typeof RULE)[keyof typeof RULE];

export function ruleId(name: RuleName, rules: MatchingRules): string {
  return `${name}@${rules.version}`;
}

export class MatchingRulesError extends Error {
  override name = 'MatchingRulesError';
}

/** Rejects a rule set that would make matching meaningless or unbounded. */
export function validateMatchingRules(rules: MatchingRules): void {
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(rules.version)) throw new MatchingRulesError(`rule set version must be 1–32 of [A-Za-z0-9._-], got '${rules.version}'`);
  if (rules.amountToleranceMinor < 0n) throw new MatchingRulesError('amountToleranceMinor must not be negative');
  const hours = rules.dateToleranceHours;
  if (!Number.isInteger(hours) || hours < 0 || hours > DATE_TOLERANCE_HOURS_MAX) {
    throw new MatchingRulesError(`dateToleranceHours must be a whole number 0..${DATE_TOLERANCE_HOURS_MAX}, got ${hours}`);
  }
  const overlap = rules.fundingTypes.filter((type) => rules.commissionTypes.includes(type));
  if (overlap.length > 0) throw new MatchingRulesError(`types cannot be both funding and commission: ${overlap.join(', ')}`);
}
