import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Logger } from '../lib/log';
import type { CapitalClient } from '../lib/capital';
import type { CapitalEnvironment } from '../lib/capital/environments';
import type { IntentRiskPolicy } from '../lib/trading/intent';
import type { IntentSource } from './auth/intent-sources';
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
  /** The trade-intent webhook; absent = it answers 503 (RECON_INTENT_SOURCES not set). */
  intents?: IntentWebhookDeps;
  /** What `/readyz` checks; default: Temporal (the namespace answers) and MongoDB (ping). */
  readiness?: readonly ReadinessCheck[];
}

export interface IntentWebhookDeps {
  sources: readonly IntentSource[];
  capitalFor(accountId: string): CapitalClient;
  risk: IntentRiskPolicy;
  environment: CapitalEnvironment;
  /** Chart symbols → epics (TradingView's tickers are not always the broker's epics). */
  symbols: Readonly<Record<string, string>>;
}
