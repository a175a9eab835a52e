/**
 * Whether the books of record still agree with what a run's statement was printed from: every
 * stored transaction of the period, and its ledger entry, against the records the run's windows
 * kept. One unsorted read of each collection (it streams on every database); memory holds a
 * short digest per record, and the first few differences are then explained field by field.
 */
import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import { LEDGER_ENTRIES, type LedgerEntryDocument } from '../store/reconciliation';
import { TRANSACTIONS, type TransactionDocument } from '../store/transactions';
import { toStatementRecord, type StatementRecord } from '../store/window-records';
import { runRecords } from './load';

export interface BooksCheck {
  /** Records of the run compared. */
  records: number;
  /** Each difference in words, the first `EXPLAINED` of them field by field. */
  differences: string[];
  /** How many differences there are in all (`differences` stops at `LISTED`). */
  differenceCount: number;
}

const LISTED = 20;
const EXPLAINED = 5;
const TRANSACTION_FIELDS = { key: 1, bookedAt: 1, bookedAtMs: 1, reference: 1, transactionType: 1, note: 1, amount: 1, currency: 1, baseCurrency: 1, scale: 1, rawSha256: 1, instrument: 1 } as const;

type RecordFields = Omit<StatementRecord, 'posting'>;

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64').slice(0, 16);
}

function recordFields({ posting: _posting, ...fields }: StatementRecord): RecordFields {
  return fields;
}

function changedFields(run: RecordFields, stored: RecordFields): string {
  const names = [...new Set([...Object.keys(run), ...Object.keys(stored)])] as Array<keyof RecordFields>;
  return names
    .filter((name) => JSON.stringify(run[name]) !== JSON.stringify(stored[name]))
    .map((name) => `${name} ${JSON.stringify(run[name]) ?? '(none)'} → ${JSON.stringify(stored[name]) ?? '(none)'}`)
    .join(', ');
}

export async function checkBooksAgainstRun(db: Db, runId: string): Promise<BooksCheck> {
  const { run, fromMs, toMs, records } = await runRecords(db, runId);
  const expected = new Map<string, { fields: string; posting: string | undefined; seenFields: boolean; seenPosting: boolean }>();
  for await (const record of records()) expected.set(record.key, { fields: digest(recordFields(record)), posting: record.posting && digest(record.posting), seenFields: false, seenPosting: false });

  const differences: string[] = [];
  /** Changed transactions listed in `differences`, by key: where their line is. */
  const changed = new Map<string, number>();
  let differenceCount = 0;
  const differ = (text: string): number => {
    differenceCount++;
    return differences.length < LISTED ? differences.push(text) - 1 : -1;
  };
  const inPeriod = { accountId: run.accountId, bookedAtMs: { $gte: fromMs, $lt: toMs } };

  for await (const tx of db.collection<TransactionDocument>(TRANSACTIONS).find(inPeriod, { projection: TRANSACTION_FIELDS })) {
    const mine = expected.get(tx.key);
    if (!mine) differ(`${tx.key}: in the stored transactions of the period, not among the run's records`);
    else {
      mine.seenFields = true;
      if (mine.fields !== digest(recordFields(toStatementRecord(tx, undefined)))) {
        const at = differ(`${tx.key}: the stored transaction differs from the run's record`);
        if (at >= 0 && changed.size < EXPLAINED) changed.set(tx.key, at);
      }
    }
  }
  for await (const entry of db.collection<LedgerEntryDocument>(LEDGER_ENTRIES).find(inPeriod, { projection: { lines: 1 } })) {
    const mine = expected.get(entry._id);
    if (!mine) differ(`${entry._id}: a ledger entry of the period for no record of the run`);
    else {
      mine.seenPosting = true;
      if (mine.posting === undefined) differ(`${entry._id}: in the ledger, but the run quarantined it (no posting rule)`);
      else if (mine.posting !== digest(entry.lines)) differ(`${entry._id}: the ledger entry's lines differ from the run's posting`);
    }
  }
  for (const [key, mine] of expected) {
    if (!mine.seenFields) differ(`${key}: a record of the run missing from the stored transactions`);
    if (mine.posting !== undefined && !mine.seenPosting) differ(`${key}: posted by the run, missing from the ledger`);
  }
  await explain(db, records, changed, differences);
  return { records: expected.size, differences, differenceCount };
}

/** Names the changed fields of the first changed transactions (one more pass over the run's records). */
async function explain(db: Db, records: () => AsyncIterable<StatementRecord>, changed: ReadonlyMap<string, number>, differences: string[]): Promise<void> {
  if (changed.size === 0) return;
  for await (const record of records()) {
    const at = changed.get(record.key);
    if (at === undefined) continue;
    const stored = await db.collection<TransactionDocument>(TRANSACTIONS).findOne({ _id: record.key }, { projection: TRANSACTION_FIELDS });
    if (stored) differences[at] += `: ${changedFields(recordFields(record), recordFields(toStatementRecord(stored, undefined)))}`;
  }
}
