import { createHash } from 'node:crypto';
import type { CapitalClient } from '../lib/capital';
import { parseBrokerUtc, type TimeWindow } from '../lib/capital/broker-time';
import { collectTransportEvents } from '../lib/capital/event-scope';
import type { PositionActivity } from '../lib/ledger/activity-cross-check';
import { DEFAULT_GAP_POLICY, type GapPolicy } from '../lib/ledger/gap-detection';
import { normaliseRows } from '../lib/ledger/normalise';
import { subtotalMovements } from '../lib/ledger/roll-forward';
import { canonical, toDecimal } from '../lib/money';
import { loadChartAndRules } from '../lib/store/chart';
import { saveLedgerEntries } from '../lib/store/reconciliation';
import { saveWindowRows, toStatementRecord, toWindowRecord } from '../lib/store/window-records';
import { saveIngested, saveWindowTrace, type QuarantineDocument, type TransactionDocument, type WindowMovement } from '../lib/store/transactions';
import { withCapitalFailures } from './capital-failures';
import type { ActivityDeps } from './deps';
import { heartbeat } from './heartbeat';
import { postWindow, type PostedWindow } from './post-window';
import { readInParts, refusedAsTooWide, type HistorySource, type PartsRead } from './read-in-parts';

export interface IngestDeps extends ActivityDeps {
  /** The Capital.com client acting for a broker account (shared per account in a worker). */
  capitalFor(accountId: string): CapitalClient;
  gapPolicy?: GapPolicy;
}

/** What a window reads: its transactions, the activity feed's POSITION rows (for the cross-check), or both. */
export type WindowRead = 'transactions' | 'positions';

export interface IngestWindowInput {
  runId: string;
  accountId: string;
  windowIndex: number;
  fromMs: number;
  toMs: number;
  /** Default: transactions only. */
  reads?: WindowRead[];
  /** Post the window's transactions to the ledger (the period's own windows; not bridges). */
  post?: boolean;
  /** With `post`: compute the postings but write none. */
  dryRun?: boolean;
  /** Only these transaction types (one read per type, the API's `type` filter); all when absent. */
  types?: string[];
}

/** What ingestion counts, per window and summed per run. */
export interface IngestCounts {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  positionRows: number;
  posted: number;
  postingQuarantined: number;
  requests: number;
  retries: number;
  sessionRenewals: number;
  possiblyTruncated: number;
}

/** What a window's ingestion returns to the workflow: counts and digests, never rows. */
export interface IngestWindowResult extends IngestCounts {
  windowIndex: number;
  /** SHA-256 over the window's record keys and raw digests, quarantined rows and position rows: equal digests, equal data. */
  digest: string;
  /** When posted: the postings' digest and the rule set versions used. */
  ledger?: { digest: string; ruleVersions: number[] };
}

type TransactionPage = Awaited<ReturnType<CapitalClient['transactionsInWithRaw']>>;
type TransactionRow = { row: TransactionPage['rows'][number]; raw: unknown };

const POSITIONS_ONLY = 'type==POSITION';

function transactionSource(client: CapitalClient, type: string | undefined): HistorySource<TransactionRow> {
  return {
    path: '/history/transactions',
    query: type ? { type } : {},
    async read(part) {
      try {
        const page = await client.transactionsInWithRaw(part, type);
        return page.rows.map((row, i) => ({ row, raw: page.raw[i] }));
      } catch (error) {
        if (refusedAsTooWide(error)) return undefined;
        throw error;
      }
    },
    timeOf: ({ row }) => parseBrokerUtc(row.dateUtc) as number,
  };
}

function positionSource(client: CapitalClient): HistorySource<PositionActivity> {
  return {
    path: '/history/activity',
    query: { filter: POSITIONS_ONLY },
    async read(part) {
      const rows: PositionActivity[] = [];
      for await (const { activities } of client.activityBetween(part, { filter: POSITIONS_ONLY })) {
        for (const a of activities) rows.push({ dealId: a.dealId, epic: a.epic, atMs: parseBrokerUtc(a.dateUtc) as number, source: a.source, status: a.status });
      }
      return rows;
    },
    timeOf: (row) => row.atMs,
  };
}

/** A row the feed lists twice in one window is one row (the same deal, instant, source and status). */
function distinctRows(rows: readonly PositionActivity[]): PositionActivity[] {
  const seen = new Map<string, PositionActivity>();
  for (const row of rows) seen.set(JSON.stringify([row.dealId, row.epic, row.atMs, row.source, row.status]), row);
  return [...seen.values()];
}

function mergeReads<Row>(reads: PartsRead<Row>[]): PartsRead<Row> {
  return { rows: reads.flatMap((r) => r.rows), requests: reads.flatMap((r) => r.requests), truncated: reads.flatMap((r) => r.truncated) };
}

export function createIngestActivities(deps: IngestDeps) {
  const policy = deps.gapPolicy ?? DEFAULT_GAP_POLICY;

  async function readBroker(client: CapitalClient, input: IngestWindowInput) {
    const window: TimeWindow = { fromMs: input.fromMs, toMs: input.toMs };
    const reads = input.reads ?? ['transactions'];
    const transactions: PartsRead<TransactionRow>[] = [];
    if (reads.includes('transactions')) {
      for (const type of input.types ?? [undefined]) transactions.push(await readInParts(window, transactionSource(client, type), policy));
    }
    const positions = reads.includes('positions') ? await readInParts(window, positionSource(client), policy) : { rows: [], requests: [], truncated: [] };
    return { transactions: mergeReads(transactions), positions };
  }

  /** Normalises and stores the window's transactions; rows no type mapping accepts are quarantined. */
  async function storeTransactions(input: IngestWindowInput, rows: TransactionRow[]) {
    const results = normaliseRows(rows.map((r) => r.row), input.accountId, { rawRows: rows.map((r) => r.raw) });
    // A row the broker lists twice is one record: keyed, so posting and the movements count it once.
    const transactions = new Map<string, TransactionDocument>();
    const quarantine: QuarantineDocument[] = [];
    for (const result of results) {
      if (result.quarantined) {
        const { quarantined: _q, ...rest } = result;
        quarantine.push({ _id: `${input.accountId}:${result.rawSha256}`, runId: input.runId, ...rest });
      } else {
        const { quarantined: _q, ...rest } = result;
        transactions.set(result.key, { _id: result.key, ...rest });
      }
    }
    const raw = rows.map(({ raw: row }, index) => ({ _id: (results[index] as { rawSha256: string }).rawSha256, accountId: input.accountId, row }));
    const unique = [...transactions.values()];
    const stored = await saveIngested(deps.db, { raw, transactions: unique, quarantine });
    return { transactions: unique, quarantine, stored: stored.transactions };
  }

  async function ingestWindow(input: IngestWindowInput): Promise<IngestWindowResult> {
    const client = deps.capitalFor(input.accountId);
    const { result: read, events } = await collectTransportEvents(() => readBroker(client, input));
    heartbeat({ stage: 'storing', rows: read.transactions.rows.length, positionRows: read.positions.rows.length });

    const { transactions, quarantine, stored } = await storeTransactions(input, read.transactions.rows);
    const reads = input.reads ?? ['transactions'];
    if (reads.includes('transactions')) await saveWindowRows(deps.db, input.runId, input.windowIndex, 'records', transactions.map(toWindowRecord));
    const positions = distinctRows(read.positions.rows);
    if (reads.includes('positions')) await saveWindowRows(deps.db, input.runId, input.windowIndex, 'positions', positions);
    let posted: PostedWindow | undefined;
    let movements: WindowMovement[] | undefined;
    if (input.post) {
      posted = postWindow(transactions, input.accountId, await loadChartAndRules(deps.db));
      if (!input.dryRun) await saveLedgerEntries(deps.db, posted.entries, posted.quarantine);
      const entries = new Map(posted.entries.map((e) => [e._id, e]));
      await saveWindowRows(deps.db, input.runId, input.windowIndex, 'statement', transactions.map((tx) => toStatementRecord(tx, entries.get(tx.key))));
      movements = subtotalMovements(transactions.map((t) => ({ transactionType: t.transactionType, amount: toDecimal(t.amount) }))).map((m) => ({ transactionType: m.transactionType, amount: canonical(m.amount), count: m.count ?? 1 }));
    }

    const digest = createHash('sha256')
      .update(transactions.map((t) => `${t.key}:${t.rawSha256}`).sort().join('\n'))
      .update(`|${quarantine.map((q) => q._id).sort().join('\n')}`)
      .update(`|${positions.map((p) => JSON.stringify(p)).sort().join('\n')}`)
      .digest('hex');
    const requests = [...read.transactions.requests, ...read.positions.requests];
    const truncated = [...read.transactions.truncated, ...read.positions.truncated];
    const retries = events.filter((e) => e.type === 'retry').length;
    const sessionRenewals = events.filter((e) => e.type === 'login').length;
    const rowCount = read.transactions.rows.length;
    await saveWindowTrace(deps.db, {
      _id: `${input.runId}:${input.windowIndex}`,
      runId: input.runId,
      accountId: input.accountId,
      windowIndex: input.windowIndex,
      fromMs: input.fromMs,
      toMs: input.toMs,
      requests,
      references: transactions.map((t) => t.reference),
      rowCount,
      positionRows: read.positions.rows.length,
      stored,
      quarantined: quarantine.length,
      ...(posted ? { posting: { posted: posted.entries.length, quarantined: posted.quarantine.length, digest: posted.digest } } : {}),
      ...(movements ? { movements } : {}),
      retries,
      sessionRenewals,
      possiblyTruncated: truncated,
      digest,
    });
    deps.log.info({ runId: input.runId, windowIndex: input.windowIndex, rows: rowCount, positionRows: read.positions.rows.length, requests: requests.length, retries }, 'window ingested');
    return {
      windowIndex: input.windowIndex,
      rows: rowCount,
      ...stored,
      quarantined: quarantine.length,
      positionRows: read.positions.rows.length,
      posted: posted?.entries.length ?? 0,
      postingQuarantined: posted?.quarantine.length ?? 0,
      requests: requests.length,
      retries,
      sessionRenewals,
      possiblyTruncated: truncated.length,
      digest,
      ...(posted ? { ledger: { digest: posted.digest, ruleVersions: posted.ruleVersions } } : {}),
    };
  }

  return { ingestWindow: withCapitalFailures(ingestWindow) };
}
