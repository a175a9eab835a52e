/**
 * One statement's data: the snapshot every format is rendered from. Writers never query the
 * database; they receive a `Statement` (small, in memory) and its lines as an async iterable
 * (streamed, oldest first), so memory does not grow with the number of rows.
 *
 * Every amount is a decimal string already fixed to the currency's scale (`-123.45`); every
 * instant is ISO 8601 (`…Z` for UTC, `…+01:00` for the account's zone). Writers format, they do
 * not compute: totals, running balances and verdicts come from here, so all formats agree.
 */

export interface StatementHeader {
  /** The company the statement is for (config `RECON_LEGAL_ENTITY`). */
  legalEntity: string;
  broker: string;
  brokerAccountId: string;
  /** The chart-of-accounts account that holds the broker cash (e.g. `1100 Broker cash – Capital.com`). */
  internalAccount: { code: string; name: string };
  baseCurrency: string;
  /** Decimals of the base currency (2 for USD, EUR, GBP). */
  scale: number;
  period: string;
  /** Inclusive start and exclusive end, in the account's zone. */
  periodStart: string;
  periodEnd: string;
  timeZone: string;
  /** In words: which broker booking times belong to the period. */
  cutOffRule: string;
  /** The run's finish time: rendering the same run twice gives the same bytes. */
  generatedAt: string;
  runId: string;
  workflowId: string;
  temporalRunId: string;
  codeVersion: string;
}

export interface RollForwardLine {
  label: string;
  amount: string;
  /** Nesting for sub-lines (fees by type, other types by type). */
  level: 0 | 1;
}

export interface StatementRollForward {
  status: 'PROVEN' | 'DIFFERENCE' | 'UNPROVEN';
  /** The lines from opening to closing, in print order, each with its amount. */
  lines: RollForwardLine[];
  opening: string;
  openingSource: string;
  computedClosing: string;
  closing?: string;
  closingSource?: string;
  difference?: string;
  /** One sentence: the identity and whether it holds. */
  verdict: string;
  reasons: string[];
}

export interface TypeTotal {
  transactionType: string;
  count: number;
  amount: string;
}

export interface AccountTotal {
  code: string;
  name: string;
  type: string;
  debit: string;
  credit: string;
  /** debit − credit. */
  net: string;
}

export type MatchStatus = 'MATCHED' | 'EXCEPTION' | 'UNMATCHED' | 'QUARANTINED';

export interface StatementLine {
  /** 1-based position in the period. */
  line: number;
  /** The record's deterministic key. */
  key: string;
  bookedAtUtc: string;
  bookedAtLocal: string;
  reference: string;
  transactionType: string;
  instrument: string;
  note: string;
  amount: string;
  currency: string;
  /** The broker cash balance after this line (opening + every line so far). */
  runningBalance: string;
  /** The ledger accounts debited and credited, `code` (empty when quarantined). */
  debitAccount: string;
  creditAccount: string;
  matchStatus: MatchStatus;
}

export interface StatementException {
  kind: string;
  reason: string;
  rule: string;
  /** Broker references (or keys) and book entry ids it is about. */
  brokerReferences: string[];
  bookEntryIds: string[];
}

export interface OpenPosition {
  dealId: string;
  epic: string;
  direction: string;
  size: string;
  level: string;
  currency: string;
  unrealisedPnl: string;
  openedAtUtc: string;
}

export interface WorkingOrder {
  dealId: string;
  epic: string;
  direction: string;
  type: string;
  size: string;
  level: string;
  currency: string;
  createdAtUtc: string;
}

export interface StatementReconciliation {
  brokerRecords: number;
  bookEntries: number;
  matches: number;
  matchedBrokerRecords: number;
  exceptionsByKind: Record<string, number>;
  rulesVersion: string;
}

export interface StatementAudit {
  /** SHA-256 over the raw broker rows of the period, in line order. */
  rawInputsSha256: string;
  /** The account's audit chain head before this run's record. */
  chainHead: string;
  codeVersion: string;
}

export interface Statement {
  header: StatementHeader;
  rollForward: StatementRollForward;
  totalsByType: TypeTotal[];
  totalsByAccount: AccountTotal[];
  reconciliation: StatementReconciliation;
  exceptions: StatementException[];
  /** At period end, when the run captured them; `undefined` when it did not. */
  positions?: OpenPosition[];
  workingOrders?: WorkingOrder[];
  /** When positions and working orders were read (the closing balance snapshot). */
  positionsAt?: string;
  notes: Array<{ title: string; text: string }>;
  audit: StatementAudit;
  lineCount: number;
}

/** The statement and a fresh stream of its lines (each call starts from the first line). */
export interface StatementSource {
  statement: Statement;
  lines(): AsyncIterable<StatementLine>;
}
