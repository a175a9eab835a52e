import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Logger } from '../lib/log';
import type { ApiToken } from './auth/tokens';
import type { ReadinessCheck } from './readiness';

/** What the routes work with; `recon api` builds it from configuration, tests from the test stack. */
export interface ApiDeps {
  temporal: Client;
  /** Task queue `POST /runs` starts reconciliations on. */
  taskQueue: string;
  db: Db;
  /** The statements directory the workers write to (RECON_STATEMENTS_DIR), as `recon verify` reads it. */
  statementsDir: string;
  tokens: readonly ApiToken[];
  log: Logger;
  /** What `/readyz` checks; default: Temporal (the namespace answers) and MongoDB (ping). */
  readiness?: readonly ReadinessCheck[];
}
