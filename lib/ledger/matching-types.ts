/**
 * The plain data that matching reads and writes. Kept minimal and local so matching does not wait
 * on the normaliser or the store: callers adapt their records to these shapes.
 */

/** One normalised broker transaction, amount in integer minor units of its currency. */
export interface BrokerRecord {
  /** Unique per record (the normaliser's deterministic key). */
  key: string;
  /** The broker's transaction reference; book entries point at it. */
  reference: string;
  transactionType: string;
  /** The broker's UTC time, epoch milliseconds. */
  bookedAtMs: number;
  amountMinor: bigint;
  currency: string;
  /** The position's deal id on trades and commissions; lets a commission follow its trade. */
  dealId?: string;
}

/** One line of the company's internal books. */
export interface BookEntry {
  /** Unique per entry. */
  entryId: string;
  /** When the back office booked it, UTC epoch milliseconds. */
  bookedAtMs: number;
  category: string;
  amountMinor: bigint;
  currency: string;
  /** Broker references the line covers: one, several (trade + commission), or none (daily funding). */
  brokerReferences: readonly string[];
}

/** 1:1 one entry ↔ one record; 1:N one entry ↔ several records; N:1 several records ↔ one entry. */
export type MatchStrategy = '1:1' | '1:N' | 'N:1';

export interface Match {
  /** Deterministic: the rule-set version and the one book entry every strategy matches. */
  matchId: string;
  strategy: MatchStrategy;
  /** The rule that decided the match, `name@version`. */
  rule: string;
  /** Sorted. */
  brokerKeys: string[];
  /** Sorted; always one entry for the strategies above. */
  bookEntryIds: string[];
  /** Books minus broker, minor units; zero or within the amount tolerance. */
  differenceMinor: bigint;
}

export type MatchExceptionKind = 'MISSING_INTERNAL' | 'MISSING_BROKER' | 'AMOUNT_MISMATCH' | 'TIMING_DIFFERENCE' | 'DUPLICATE';

export interface MatchException {
  /** Deterministic: version, kind and the entry id (or broker key) it is about. */
  exceptionId: string;
  kind: MatchExceptionKind;
  /** A sentence a reviewer can act on. */
  reason: string;
  /** The rule that raised it, `name@version`. */
  rule: string;
  /** Sorted. */
  brokerKeys: string[];
  /** Sorted. */
  bookEntryIds: string[];
  /** Books minus broker, minor units, where amounts were compared. */
  differenceMinor?: bigint;
}

export interface MatchingStats {
  brokerRecords: number;
  bookEntries: number;
  matches: Record<MatchStrategy, number>;
  exceptions: Record<MatchExceptionKind, number>;
  /** Broker records inside a match. */
  matchedBrokerRecords: number;
  /** Book entries inside a match. */
  matchedBookEntries: number;
}

export interface MatchingResult {
  rulesVersion: string;
  /** Sorted by matchId. */
  matches: Match[];
  /** Sorted by exceptionId. */
  exceptions: MatchException[];
  stats: MatchingStats;
}
