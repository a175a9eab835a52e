import type { Db } from 'mongodb';
import { ensureAlertIndexes } from './alerts';
import { ensureAuditChainIndexes } from './audit-chain';
import { ensureBalanceIndexes } from './balances';
import { ensureBookIndexes } from './books';
import { ensureChartConfigIndexes } from './chart-configs';
import { ensureExposureIndexes } from './exposure';
import { ensureOrderIndexes } from './orders';
import { ensureIntentIndexes } from './trade-intents';
import { ensureMarketBarIndexes } from './market-bars';
import { ensureStreamOhlcIndexes } from './market-stream-ohlc';
import { ensureBrokerBarIndexes } from './market-broker-bars';
import { ensureSentimentIndexes } from './market-sentiment';
import { EXCEPTIONS, LEDGER_ENTRIES, MATCHES } from './reconciliation';
import { ensureTransactionIndexes } from './transactions';

/** Every index the reconciliation, statement and trading-monitor queries rely on (idempotent; workers call it at start). */
export async function ensureIndexes(db: Db): Promise<void> {
  await ensureTransactionIndexes(db);
  await ensureBookIndexes(db);
  await ensureChartConfigIndexes(db);
  await ensureBalanceIndexes(db);
  await ensureAuditChainIndexes(db);
  await ensureAlertIndexes(db);
  await ensureOrderIndexes(db);
  await ensureExposureIndexes(db);
  await ensureIntentIndexes(db);
  await ensureMarketBarIndexes(db);
  await ensureStreamOhlcIndexes(db);
  await ensureBrokerBarIndexes(db);
  await ensureSentimentIndexes(db);
  await db.collection(MATCHES).createIndex({ runId: 1 });
  await db.collection(EXCEPTIONS).createIndex({ runId: 1 });
  // Statements walk a period's ledger entries in the transactions' order.
  await db.collection(LEDGER_ENTRIES).createIndex({ accountId: 1, bookedAtMs: 1 });
}
