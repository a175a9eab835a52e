import { randomUUID } from 'node:crypto';
import { startDevStack } from '../lib/devstack';
import { connectMongo } from '../lib/store/mongo';
import type { BenchContext } from './run';
import { figure, type Figure } from './harness';

const BATCH = 1000;

/**
 * The database's raw insertMany ceiling for documents shaped like normalised transactions: the
 * upper bound any ingest through Temporal can approach on this machine.
 */
export async function storeInsertCeiling(ctx: BenchContext): Promise<Figure[]> {
  const stack = await startDevStack({ config: ctx.config, log: ctx.log, ui: false });
  const mongo = await connectMongo(stack.mongo.uri, `bench_${randomUUID().slice(0, 8)}`);
  try {
    const perSecond: number[] = [];
    for (let run = 0; run < ctx.runs; run++) {
      const collection = mongo.db.collection<ReturnType<typeof ledgerLikeDocument>>(`insert_ceiling_${run}`);
      const started = performance.now();
      for (let offset = 0; offset < ctx.transactions; offset += BATCH) {
        const size = Math.min(BATCH, ctx.transactions - offset);
        await collection.insertMany(Array.from({ length: size }, (_, i) => ledgerLikeDocument(run, offset + i)), { ordered: false });
      }
      perSecond.push(ctx.transactions / ((performance.now() - started) / 1000));
      await collection.drop();
    }
    return [figure(`insertMany ${ctx.transactions} docs, batches of ${BATCH}`, 'docs/s', perSecond)];
  } finally {
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
    await stack.stop();
  }
}

function ledgerLikeDocument(run: number, i: number) {
  const minor = (i * 7919) % 1_000_000 - 500_000;
  return {
    _id: `capital:ACC1:REF${run}-${i}:TRADE:0`,
    accountId: 'ACC1',
    reference: `REF${run}-${i}`,
    transactionType: i % 5 === 0 ? 'SWAP' : 'TRADE',
    status: 'PROCESSED',
    bookedAt: new Date(Date.UTC(2025, 0, 1) + i * 1000),
    amount: (minor / 100).toFixed(2),
    amountMinor: minor,
    scale: 2,
    currency: 'USD',
    instrumentId: `ins_${(i % 40).toString(16).padStart(8, '0')}`,
    rawSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  };
}
