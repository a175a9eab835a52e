// Every workflow the recon worker runs. Only deterministic code lives in this folder.
export { selfCheck } from './self-check';
export { ingestWindows } from './ingest-windows';
export { reconcileAccountPeriod } from './reconcile-account-period';
export { scheduledReconciliation } from './scheduled-reconciliation';
export { monitorWorkingOrders, snapshotExposure } from './trading-monitors';
export { executeTradeIntent } from './trade-intent';
export { superviseMarketStream } from './market-stream';
export { backfillPrices } from './market-backfill';
export { syncWatchlists } from './watchlist-sync';
export { pollMarketSentiment } from './market-sentiment';
