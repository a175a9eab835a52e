import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createIngestActivities, type IngestWindowResult } from '../../../activities/ingest';
import { recordTransportEvent } from '../../../lib/capital';
import { WINDOW_TRACES, TRANSACTIONS, type WindowTraceDocument } from '../../../lib/store/transactions';
import type { MongoHandle } from '../../../lib/store/mongo';
import { transactionsBetween } from '../../../simulator/data/transactions';
import { startSimulatorWithClient, quietLog, type SimulatorFixture } from '../../helpers/simulator';
import { openTestDatabase, testStack } from '../../helpers/stack';

const DAY = { fromMs: Date.UTC(2025, 0, 8), toMs: Date.UTC(2025, 0, 9) };
const SEED = 3;
const VOLUME = 20_000;
const ROW_CAP = 40;

async function ingestOneDay(fixture: SimulatorFixture, mongo: MongoHandle, runId: string): Promise<IngestWindowResult> {
  const client = fixture.newClient({ onEvent: recordTransportEvent });
  const { ingestWindow } = createIngestActivities({ db: mongo.db, log: quietLog, capitalFor: () => client, gapPolicy: { suspectRowCount: ROW_CAP, minimumSpanMs: 60_000, maxRequests: 4096 } });
  const account = fixture.simulator.accounts().find((a) => a.preferred) ?? fixture.simulator.accounts()[0]!;
  return ingestWindow({ runId, accountId: account.accountId, windowIndex: 7, ...DAY });
}

describe('ingesting a window from a broker that silently caps its answers', () => {
  let mongo: MongoHandle;
  let clean: SimulatorFixture;
  let faulty: SimulatorFixture;

  before(async () => {
    mongo = await openTestDatabase(testStack(), 'ingest');
    clean = await startSimulatorWithClient({ seed: SEED, transactionsPerMonth: VOLUME, history: { transactionsRowCap: ROW_CAP } });
    faulty = await startSimulatorWithClient({
      seed: SEED,
      transactionsPerMonth: VOLUME,
      history: { transactionsRowCap: ROW_CAP },
      faults: { serverErrorRate: 0.1, rateLimitRate: 0.05, invalidateSessionEvery: 15 },
    });
  });

  after(async () => {
    await clean?.close();
    await faulty?.close();
    await mongo?.close();
  });

  test('gap detection splits until every answer is complete, and stores exactly the broker day', async (t) => {
    const account = clean.simulator.accounts().find((a) => a.preferred) ?? clean.simulator.accounts()[0]!;
    const truth = [...transactionsBetween({ seed: SEED, account, ...DAY })];
    assert.ok(truth.length > ROW_CAP * 5, `a busy day (${truth.length} rows)`);

    const result = await ingestOneDay(clean, mongo, 'run-clean');
    assert.equal(result.rows, truth.length);
    assert.equal(result.inserted, truth.length);
    assert.equal(result.possiblyTruncated, 0);
    assert.ok(result.requests > truth.length / ROW_CAP, `${result.requests} requests`);

    const stored = await mongo.db.collection(TRANSACTIONS).find({ accountId: account.accountId }).project({ reference: 1 }).toArray();
    assert.deepEqual(stored.map((s) => s.reference).sort(), truth.map((r) => r.reference).sort());

    const trace = await mongo.db.collection<WindowTraceDocument>(WINDOW_TRACES).findOne({ _id: 'run-clean:7' });
    assert.ok(trace);
    assert.equal(trace.requests.length, result.requests);
    assert.ok(trace.requests.some((r) => r.verdict === 'split'));
    assert.equal(trace.references.length, truth.length);
    t.diagnostic(`${truth.length} rows in ${result.requests} requests`);
  });

  test('ingesting the same window again changes nothing and gives the same digest', async () => {
    const first = await mongo.db.collection<WindowTraceDocument>(WINDOW_TRACES).findOne({ _id: 'run-clean:7' });
    const again = await ingestOneDay(clean, mongo, 'run-clean-again');
    assert.equal(again.inserted, 0);
    assert.equal(again.updated, 0);
    assert.equal(again.unchanged, again.rows);
    assert.equal(again.digest, first?.digest);
  });

  test('5xx, 429 and invalidated sessions: the same records and digest, with the retries and renewals on record', async () => {
    const reference = await mongo.db.collection<WindowTraceDocument>(WINDOW_TRACES).findOne({ _id: 'run-clean:7' });
    const result = await ingestOneDay(faulty, mongo, 'run-faulty');
    assert.equal(result.digest, reference?.digest);
    assert.equal(result.inserted, 0, 'nothing new: the same records');
    assert.ok(result.retries > 0, 'retries recorded');
    assert.ok(result.sessionRenewals > 1, 'session renewals recorded');
  });
});
