/**
 * Broker transaction rows → stable ledger entities, each under a deterministic key, so that
 * re-ingesting the same data upserts the same records instead of adding new ones.
 *
 * A row that cannot become an entity (an amount finer than its currency allows, a date that is not
 * a date, no reference) is returned as a quarantined result with the reason and the row's digest:
 * nothing the broker sent is dropped, and nothing is guessed.
 */
import { createHash } from 'node:crypto';
import { parseBrokerUtc } from '../capital/broker-time';
import { LEGACY_TRANSACTION_TYPES, TRANSACTION_TYPES, type Transaction } from '../capital/schemas/history';
import { canonical, Decimal, MoneyError, toDecimal, toMinorUnits } from '../money';
import { CurrencyError, normaliseCurrency } from './currency';
import { instrumentId } from './instrument-id';

export const BROKER = 'capital';

/** The 26 current and 4 legacy documented values; anything else is kept with `known: false`. */
const KNOWN_TRANSACTION_TYPES: ReadonlySet<string> = new Set<string>([...TRANSACTION_TYPES, ...LEGACY_TRANSACTION_TYPES]);

/** Far above a month of the busiest account the simulator models (3,000,000 rows). */
export const NORMALISE_ROWS_MAX = 5_000_000;
/** Broker rows are two levels deep; anything deeper than this is a cycle or not a row. */
const CANONICAL_JSON_DEPTH_MAX = 64;

export interface NormalisedTransaction {
  quarantined: false;
  /** `capital:{accountId}:{reference}:{transactionType}:{leg}`; each part URI-encoded (a no-op for the broker's values). */
  key: string;
  broker: typeof BROKER;
  accountId: string;
  reference: string;
  /** As the broker sent it, even when not a documented value. */
  transactionType: string;
  /** 0 unless the same reference and type occur more than once; see `normaliseRows`. */
  leg: number;
  status: string | null;
  /** ISO UTC with `Z`, millisecond precision. */
  bookedAt: string;
  bookedAtMs: number;
  /** Canonical decimal text: `-80.43`, `416`. */
  amount: string;
  /** Integer minor units at `scale`, as text (it may exceed 2^53). */
  amountMinor: string;
  scale: number;
  /** The broker's code, unchanged (`USDd`). */
  currency: string;
  /** The ISO 4217 code behind it (`USD`). */
  baseCurrency: string;
  note: string;
  instrument?: { epic: string; instrumentId: string };
  dealId?: string;
  /** Whether `transactionType` is one of the 30 documented values. */
  known: boolean;
  rawSha256: string;
}

export type QuarantineCode = 'missing-reference' | 'missing-transaction-type' | 'bad-date' | 'bad-currency' | 'bad-amount' | 'amount-scale';

export interface QuarantinedTransaction {
  quarantined: true;
  code: QuarantineCode;
  reason: string;
  rawSha256: string;
  accountId: string;
  /** Present when the row had one, to help find it. */
  reference?: string;
  transactionType?: string;
}

export type NormaliseResult = NormalisedTransaction | QuarantinedTransaction;

export interface NormaliseOptions {
  /**
   * The row as received on the wire, before parsing. Its digest becomes `rawSha256`, so the entity
   * points at the stored raw payload. Without it the parsed row is digested instead. Use one
   * choice consistently: the digest breaks ties when legs are assigned.
   */
  raw?: unknown;
}

/** One row on its own, at leg 0. Use `normaliseRows` for a batch, which numbers repeated references. */
export function normaliseTransaction(row: Transaction, accountId: string, options: NormaliseOptions = {}): NormaliseResult {
  checkAccountId(accountId);
  const digest = rawSha256(options.raw === undefined ? row : options.raw);
  const quarantine = (code: QuarantineCode, reason: string): QuarantinedTransaction => ({
    quarantined: true,
    code,
    reason,
    rawSha256: digest,
    accountId,
    ...(nonEmptyText(row.reference) ? { reference: row.reference } : {}),
    ...(nonEmptyText(row.transactionType) ? { transactionType: row.transactionType } : {}),
  });

  if (!nonEmptyText(row.reference)) return quarantine('missing-reference', 'the row has no reference, so it has no stable key');
  if (!nonEmptyText(row.transactionType)) return quarantine('missing-transaction-type', 'the row has no transactionType');

  const bookedAtMs = parseDateUtc(row.dateUtc);
  if (bookedAtMs === undefined) return quarantine('bad-date', `dateUtc '${String(row.dateUtc)}' is not a UTC timestamp YYYY-MM-DDTHH:MM:SS[.fff]`);

  let currency;
  try {
    currency = normaliseCurrency(row.currency);
  } catch (error) {
    if (error instanceof CurrencyError) return quarantine('bad-currency', error.message);
    throw error;
  }

  let amount: Decimal;
  try {
    amount = toDecimal(row.size);
  } catch (error) {
    if (error instanceof MoneyError) return quarantine('bad-amount', `size: ${error.message}`);
    throw error;
  }
  if (amount.decimalPlaces() > currency.scale) {
    return quarantine(
      'amount-scale',
      `size ${canonical(amount)} has ${amount.decimalPlaces()} decimal places; ${currency.code} has ${currency.scale}`,
    );
  }

  const epic = nonEmptyText(row.instrumentName) ? row.instrumentName.trim() : undefined;
  const dealId = nonEmptyText(row.dealId) ? row.dealId : undefined;
  return {
    quarantined: false,
    key: entityKey(accountId, row.reference, row.transactionType, 0),
    broker: BROKER,
    accountId,
    reference: row.reference,
    transactionType: row.transactionType,
    leg: 0,
    status: nonEmptyText(row.status) ? row.status : null,
    bookedAt: new Date(bookedAtMs).toISOString(),
    bookedAtMs,
    amount: canonical(amount),
    amountMinor: toMinorUnits(amount, currency.scale).toString(),
    scale: currency.scale,
    currency: currency.code,
    baseCurrency: currency.baseCurrency,
    note: typeof row.note === 'string' ? row.note : '',
    ...(epic === undefined ? {} : { instrument: { epic, instrumentId: instrumentId(epic) } }),
    ...(dealId === undefined ? {} : { dealId }),
    known: KNOWN_TRANSACTION_TYPES.has(row.transactionType),
    rawSha256: digest,
  };
}

/**
 * A batch of rows, results in input order. When a (reference, transactionType) pair occurs more
 * than once, its rows get legs 0, 1, … in order of bookedAtMs, then amount, then rawSha256, so
 * the keys do not depend on the order the broker listed them. Byte-identical rows (same digest)
 * are one broker record delivered twice: they share a leg, and so a key.
 *
 * Legs are numbered within the batch: pass every row of a window (after any re-query splits are
 * merged), or a repeated reference split across two batches could be numbered twice from 0.
 */
export function normaliseRows(rows: readonly Transaction[], accountId: string, options: { rawRows?: readonly unknown[] } = {}): NormaliseResult[] {
  checkAccountId(accountId);
  if (rows.length > NORMALISE_ROWS_MAX) throw new RangeError(`refusing to normalise ${rows.length} rows in one batch (max ${NORMALISE_ROWS_MAX})`);
  const { rawRows } = options;
  if (rawRows !== undefined && rawRows.length !== rows.length) {
    throw new RangeError(`rawRows has ${rawRows.length} entries for ${rows.length} rows; they must correspond one to one`);
  }

  const results = rows.map((row, i) => normaliseTransaction(row, accountId, rawRows === undefined ? {} : { raw: rawRows[i] }));

  const groups = new Map<string, NormalisedTransaction[]>();
  for (const result of results) {
    if (result.quarantined) continue;
    const groupKey = entityKey(accountId, result.reference, result.transactionType, 0);
    const group = groups.get(groupKey);
    if (group === undefined) groups.set(groupKey, [result]);
    else group.push(result);
  }

  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort(compareForLegs);
    let leg = 0;
    for (let i = 0; i < group.length; i += 1) {
      const entity = group[i] as NormalisedTransaction;
      if (i > 0 && entity.rawSha256 !== (group[i - 1] as NormalisedTransaction).rawSha256) leg += 1;
      entity.leg = leg;
      entity.key = entityKey(accountId, entity.reference, entity.transactionType, leg);
    }
  }
  return results;
}

export function entityKey(accountId: string, reference: string, transactionType: string, leg: number): string {
  return [BROKER, accountId, reference, transactionType, String(leg)].map((part) => encodeURIComponent(part)).join(':');
}

/**
 * SHA-256 (hex) of the value's canonical JSON: object keys sorted at every level, no whitespace,
 * so the same row gives the same digest however its keys were ordered.
 */
export function rawSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

/** JSON with keys sorted recursively. Decimals print canonically; undefined members are left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  return canonicalJsonAt(value, 0);
}

function canonicalJsonAt(value: unknown, depth: number): string {
  if (depth > CANONICAL_JSON_DEPTH_MAX) throw new RangeError(`value nested deeper than ${CANONICAL_JSON_DEPTH_MAX} levels (a cycle?)`);
  if (value instanceof Decimal) return JSON.stringify(canonical(value));
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJsonAt(item, depth + 1)).join(',')}]`;
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJsonAt(withToJson.toJSON(), depth + 1);
  const members = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJsonAt((value as Record<string, unknown>)[key], depth + 1)}`);
  return `{${members.join(',')}}`;
}

function compareForLegs(a: NormalisedTransaction, b: NormalisedTransaction): number {
  if (a.bookedAtMs !== b.bookedAtMs) return a.bookedAtMs - b.bookedAtMs;
  const byAmount = new Decimal(a.amount).comparedTo(new Decimal(b.amount));
  if (byAmount !== 0) return byAmount;
  return a.rawSha256 < b.rawSha256 ? -1 : a.rawSha256 > b.rawSha256 ? 1 : 0;
}

const DATE_UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/;

/**
 * The broker's zone-less UTC text → epoch ms. Fractions beyond milliseconds (the schema allows up
 * to nanoseconds, from a Java backend) are truncated: epoch ms cannot hold them.
 */
function parseDateUtc(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = DATE_UTC.exec(text);
  if (!match) return undefined;
  const fraction = match[2];
  return parseBrokerUtc(fraction === undefined ? (match[1] as string) : `${match[1]}.${fraction.slice(0, 3)}`);
}

function nonEmptyText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function checkAccountId(accountId: string): void {
  if (!nonEmptyText(accountId) || accountId !== accountId.trim()) throw new TypeError(`accountId must be non-empty text without surrounding spaces, got '${String(accountId)}'`);
}
