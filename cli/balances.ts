import type { Db } from 'mongodb';
import { createBalanceActivities } from '../activities/balances';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/log';
import { BalancesFileError, readBalancesFile } from '../lib/store/balances-file';
import { balanceSnapshotsBetween, ensureBalanceIndexes, saveBalanceSnapshots } from '../lib/store/balances';
import { connectDatabase } from './connections';
import { capitalClientsFor } from '../workers/capital';
import { UserError } from './errors';
import { printTable } from './table';

async function withDatabase<T>(command: string, work: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const mongo = await connectDatabase(config, `recon balances ${command}`);
  try {
    await ensureBalanceIndexes(mongo.db);
    return await work(mongo.db);
  } finally {
    await mongo.close();
  }
}

/** `recon balances capture --account <id>`: read the broker's balance now and keep it (schedule this at month ends). */
export async function runBalancesCapture(options: { account: string; json?: boolean }): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const clients = capitalClientsFor(config, log);
  try {
    const snapshot = await withDatabase('capture', (db) => createBalanceActivities({ db, log, capitalFor: clients }).captureBalanceSnapshot({ accountId: options.account, takenBy: 'recon balances capture' }));
    console.log(options.json ? JSON.stringify(snapshot) : `Captured ${snapshot.snapshotId}: cash ${snapshot.cash} ${snapshot.currency} at ${new Date(snapshot.atMs).toISOString()}.`);
  } finally {
    clients(options.account).session.close();
  }
}

/** `recon balances import <file>`: balances from the broker's statements. */
export async function runBalancesImport(file: string, options: { json?: boolean }): Promise<void> {
  let snapshots;
  try {
    snapshots = await readBalancesFile(file);
  } catch (error) {
    if (error instanceof BalancesFileError) throw new UserError(error.message);
    throw error;
  }
  const counts = await withDatabase('import', (db) => saveBalanceSnapshots(db, snapshots));
  console.log(options.json ? JSON.stringify({ file, ...counts }) : `Imported ${snapshots.length} statement balances from ${file}: ${counts.inserted} new, ${counts.updated} changed, ${counts.unchanged} already up to date.`);
}

/** `recon balances list --account <id>`: the snapshots a roll-forward can use. */
export async function runBalancesList(options: { account: string; json?: boolean }): Promise<void> {
  const snapshots = await withDatabase('list', (db) => balanceSnapshotsBetween(db, options.account, 0, Number.MAX_SAFE_INTEGER));
  if (options.json) {
    console.log(JSON.stringify(snapshots.map(({ at: _at, ...rest }) => rest), null, 2));
    return;
  }
  if (snapshots.length === 0) {
    console.log(`No balance snapshots for ${options.account}: run \`recon balances capture --account ${options.account}\` or import statement balances.`);
    return;
  }
  // Amounts right-aligned so their decimal points line up.
  const cashWidth = Math.max(...snapshots.map((s) => s.cash.length));
  printTable(['AT (UTC)', 'CASH'.padStart(cashWidth), 'CURRENCY', 'SOURCE', 'TAKEN BY'], snapshots.map((s) => [new Date(s.atMs).toISOString(), s.cash.padStart(cashWidth), s.currency, s.source, s.takenBy]));
}
