import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBalanceActivities } from '../../../activities/balances';
import { recordTransportEvent } from '../../../lib/capital';
import { crossCheckSpan } from '../../../lib/ledger/activity-cross-check';
import { canonical } from '../../../lib/money';
import { activityBetween } from '../../../simulator/data/activity';
import { readBooksFile } from '../../../lib/store/books-file';
import { saveBookEntries } from '../../../lib/store/books';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { booksBetween, booksDifferences, writeBooksCsv } from '../../../simulator/data/books';
import { transactionsBetween } from '../../../simulator/data/transactions';
import type { reconcileAccountPeriod } from '../../../workflows/reconcile-account-period';
import { reconcileWorkflowId } from '../../../workflows/reconcile-account-period';
import { ReconStatus, ReconExceptionCount } from '../../../workflows/search-attributes';
import { quietLog, startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';
import { balanceAt } from '../../../simulator/data/transactions';
import { openTestDatabase, startTestWorker, testStack, type TestWorkerContext } from '../../helpers/stack';

const SEED = 1;
const JANUARY = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1) };
const EXPECTED_KIND: Record<string, string> = { MISSING_IN_BOOKS: 'MISSING_INTERNAL', AMOUNT_MISMATCH: 'AMOUNT_MISMATCH', TIMING: 'TIMING_DIFFERENCE', DUPLICATE_IN_BOOKS: 'DUPLICATE' };

describe('reconcileAccountPeriod on the real Temporal server, the real database and the simulator', () => {
  let mongo: MongoHandle;
  let fixture: SimulatorFixture;
  let ctx: TestWorkerContext;
  let accountId: string;

  before(async () => {
    const stack = testStack();
    mongo = await openTestDatabase(stack, 'reconcile');
    fixture = await startSimulatorWithClient({ seed: SEED });
    const account = fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!;
    accountId = account.accountId;

    const file = path.join(mkdtempSync(path.join(tmpdir(), 'recon-books-')), 'books.csv');
    const out = createWriteStream(file);
    await writeBooksCsv(booksBetween({ seed: SEED, account, ...JANUARY }), out);
    out.end();
    await once(out, 'finish');
    await ensureIndexes(mongo.db);
    await saveBookEntries(mongo.db, readBooksFile(file, 'csv'));

    const client = fixture.newClient({ onEvent: recordTransportEvent });
    // The balance as January begins, as a month-end schedule keeps it; then the run happens on 1 February.
    fixture.simulator.core.clock.freeze(JANUARY.fromMs + 120_000);
    await createBalanceActivities({ db: mongo.db, log: quietLog, capitalFor: () => client }).captureBalanceSnapshot({ accountId, takenBy: 'test: month start' });
    fixture.simulator.core.clock.freeze(JANUARY.toMs + 120_000);
    fixture.simulator.core.clock.unfreeze();
    ctx = await startTestWorker(stack, mongo, () => client);
  });

  after(async () => {
    await ctx?.close();
    await fixture?.close();
    await mongo?.close();
  });

  test('a month is ingested, posted and reconciled: the exceptions are exactly the ones injected into the books', async (t) => {
    const account = fixture.simulator.accounts().find((a) => a.accountId === accountId)!;
    const truth = [...transactionsBetween({ seed: SEED, account, ...JANUARY })];
    const injected = booksDifferences({ seed: SEED, account, ...JANUARY });

    const workflowId = reconcileWorkflowId(accountId, '2025-01');
    const handle = await ctx.client.workflow.start<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
      taskQueue: ctx.taskQueue,
      workflowId,
      args: [{ accountId, period: '2025-01', timeZone: 'UTC' }],
    });
    const summary = await handle.result();

    // 31 days; for the cross-check the transactions of the second before and after the month, and
    // the activity feed a day at a time from 7 days before to 1 s after it (38 days and 1 s); the
    // closing snapshot's bridge (1 February 00:00 to 00:02).
    assert.equal(summary.ingest.windows, 31 + 2 + 39 + 1);
    assert.equal(summary.ingest.bridgeWindows, 1);
    assert.equal(summary.ingest.rows, truth.length);
    const feedSpan = crossCheckSpan(JANUARY);
    const positionRows = [...activityBetween({ seed: SEED, account, ...feedSpan })].filter((row) => row.type === 'POSITION').length;
    assert.equal(summary.ingest.positionRows, positionRows);
    assert.equal(summary.ledger.posted + summary.ledger.quarantined, truth.length);
    assert.equal(summary.reconciliation.brokerRecords, truth.length);
    const expected: Record<string, number> = {};
    for (const difference of injected) expected[EXPECTED_KIND[difference.kind] as string] = (expected[EXPECTED_KIND[difference.kind] as string] ?? 0) + 1;
    assert.deepEqual(summary.reconciliation.exceptionsByKind, expected);
    assert.equal(summary.status, 'COMPLETED_WITH_EXCEPTIONS');
    assert.match(summary.ingest.digest, /^[0-9a-f]{64}$/);

    // Every TRADE has its position close in the activity feed and the other way round.
    const trades = truth.filter((row) => row.transactionType === 'TRADE').length;
    assert.deepEqual({ trades: summary.crossCheck.trades, closes: summary.crossCheck.closes, paired: summary.crossCheck.paired, exceptions: summary.crossCheck.exceptions }, { trades, closes: trades, paired: trades, exceptions: 0 });

    // The roll-forward is proved between two snapshots, against the generator's own balances.
    const rollForward = summary.rollForward;
    assert.equal(rollForward.status, 'PROVEN', rollForward.reasons.join('; '));
    assert.equal(rollForward.opening, canonical(balanceAt({ seed: SEED, account, atMs: JANUARY.fromMs })));
    assert.equal(rollForward.closing, canonical(balanceAt({ seed: SEED, account, atMs: JANUARY.toMs })));
    assert.equal(rollForward.difference, '0');
    assert.equal(rollForward.movementCount, truth.length);

    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(ReconStatus), 'COMPLETED_WITH_EXCEPTIONS');
    assert.equal(description.typedSearchAttributes.get(ReconExceptionCount), summary.reconciliation.exceptions);
    const history = await handle.fetchHistory();
    const events = history.events?.length ?? 0;
    assert.ok(events < 2_000, `${events} history events`);
    t.diagnostic(`${truth.length} transactions, ${summary.ingest.requests} requests, ${summary.reconciliation.matches} matches, exceptions ${JSON.stringify(summary.reconciliation.exceptionsByKind)}, ${events} parent history events`);
  });

  test('an explicit re-run yields the same ledger, matches and exceptions, and writes nothing new', async () => {
    const first = await ctx.client.workflow.getHandle(reconcileWorkflowId(accountId, '2025-01')).result();
    const rerun = await ctx.client.workflow.execute<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
      taskQueue: ctx.taskQueue,
      workflowId: reconcileWorkflowId(accountId, '2025-01', 1),
      args: [{ accountId, period: '2025-01', timeZone: 'UTC' }],
    });
    assert.equal(rerun.ingest.inserted, 0);
    assert.equal(rerun.ingest.unchanged, first.ingest.rows);
    assert.equal(rerun.ingest.digest, first.ingest.digest);
    assert.equal(rerun.ledger.digest, first.ledger.digest);
    assert.equal(rerun.reconciliation.digest, first.reconciliation.digest);
    assert.deepEqual(rerun.reconciliation.exceptionsByKind, first.reconciliation.exceptionsByKind);
    // The re-run keeps a later snapshot, but the one nearest the period's end still proves it.
    assert.deepEqual(rerun.rollForward, first.rollForward);
    assert.deepEqual(rerun.crossCheck, first.crossCheck);
  });

  test('a partial run of some types reads, posts and matches only those, and says what it cannot prove', async () => {
    const account = fixture.simulator.accounts().find((a) => a.accountId === accountId)!;
    const types = ['DEPOSIT', 'WITHDRAWAL'];
    const expected = [...transactionsBetween({ seed: SEED, account, ...JANUARY })].filter((row) => types.includes(row.transactionType)).length;
    const partial = await ctx.client.workflow.execute<typeof reconcileAccountPeriod>('reconcileAccountPeriod', {
      taskQueue: ctx.taskQueue,
      workflowId: reconcileWorkflowId(accountId, '2025-01', 2),
      args: [{ accountId, period: '2025-01', timeZone: 'UTC', types }],
    });
    assert.deepEqual(partial.types, types);
    assert.equal(partial.ingest.rows, expected);
    assert.equal(partial.ingest.requests, 31 * types.length, 'one read per type per window; no bridge, no activity feed');
    assert.equal(partial.ingest.positionRows, 0);
    assert.equal(partial.ledger.posted, expected);
    assert.equal(partial.reconciliation.brokerRecords, expected);
    assert.equal(partial.reconciliation.exceptionsByKind.MISSING_BROKER, undefined, 'book lines of other types are out of scope');
    assert.equal(partial.rollForward.status, 'UNPROVEN');
    assert.match(partial.rollForward.reasons.join(' '), /only DEPOSIT, WITHDRAWAL were reconciled/);
    assert.equal(partial.crossCheck.skipped, 'TRADE is not among the reconciled types');
    assert.equal(partial.statements, undefined);
  });
});
