import type { Db } from 'mongodb';
import type { LedgerEntry } from '../ledger/postings';
import type { Match, MatchException } from '../ledger/matching';
import { upsertMany, type UpsertCounts } from './upsert';

export const LEDGER_ENTRIES = 'ledger_entries';
export const POSTING_QUARANTINE = 'posting_quarantine';
export const MATCHES = 'matches';
export const EXCEPTIONS = 'exceptions';
export const RUNS = 'runs';

export type LedgerEntryDocument = LedgerEntry & { _id: string; accountId: string; bookedAtMs: number };
export interface PostingQuarantineDocument {
  _id: string;
  accountId: string;
  key: string;
  transactionType: string;
  reason: string;
}

/** A match or exception as stored: big integers as decimal text, tagged with its run. */
type Stored<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint | undefined ? string | undefined : T[K] };
export type MatchDocument = Stored<Match> & { _id: string; runId: string; accountId: string };
/** Matching's kinds, the roll-forward proof's, and the activity-feed cross-check's. */
export type ExceptionKind = MatchException['kind'] | 'ROLL_FORWARD_DIFFERENCE' | 'ROLL_FORWARD_UNPROVEN' | 'TRADE_WITHOUT_ACTIVITY' | 'ACTIVITY_WITHOUT_TRADE';
export type ExceptionDocument = Omit<Stored<MatchException>, 'kind'> & { kind: ExceptionKind; _id: string; runId: string; accountId: string };

export interface RunDocument {
  _id: string;
  accountId: string;
  period: string;
  timeZone: string;
  status: string;
  startedAt: Date;
  finishedAt: Date;
  summary: Record<string, unknown>;
}

export async function saveLedgerEntries(db: Db, entries: LedgerEntryDocument[], quarantine: PostingQuarantineDocument[]): Promise<{ entries: UpsertCounts; quarantine: UpsertCounts }> {
  return {
    entries: await upsertMany(db.collection<LedgerEntryDocument>(LEDGER_ENTRIES), entries),
    quarantine: await upsertMany(db.collection<PostingQuarantineDocument>(POSTING_QUARANTINE), quarantine),
  };
}

export async function saveMatching(db: Db, matches: Iterable<MatchDocument>, exceptions: Iterable<ExceptionDocument>): Promise<void> {
  await upsertMany(db.collection<MatchDocument>(MATCHES), matches);
  await saveExceptions(db, exceptions);
}

export async function saveExceptions(db: Db, exceptions: Iterable<ExceptionDocument>): Promise<void> {
  await upsertMany(db.collection<ExceptionDocument>(EXCEPTIONS), exceptions);
}

export async function saveRun(db: Db, run: RunDocument): Promise<void> {
  await upsertMany(db.collection<RunDocument>(RUNS), [run]);
}

export function exceptionsOfRun(db: Db, runId: string) {
  return db.collection<ExceptionDocument>(EXCEPTIONS).find({ runId }).sort({ _id: 1 });
}
