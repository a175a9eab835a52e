import type { CapitalClient } from '../lib/capital';
import { loadConfig } from '../lib/config';
import { createBalanceActivities } from './balances';
import { createCrossCheckActivities } from './cross-check';
import type { ActivityDeps } from './deps';
import { createIngestActivities } from './ingest';
import { createReconcileActivities } from './reconcile';
import { createScheduleActivities } from './schedules';
import { createSelfCheckActivities } from './self-check';
import { createStatementActivities, type StatementsSettings } from './statements';

export type { ActivityDeps } from './deps';
export type { SelfCheckInput, SelfCheckOutcome } from './self-check';
export type { AnchorOutcome, CapturedSnapshot, RollForwardPlan, RollForwardStatus, RollForwardSummary } from './balances';
export type { CrossCheckSummary } from './cross-check';
export type { StatementsResult, StatementsSettings } from './statements';
export type { IngestCounts, IngestWindowInput, IngestWindowResult, WindowRead } from './ingest';
export type { PeriodInput, PeriodPlan, PlanPeriodInput, PostLedgerResult, ReconcileResult } from './reconcile';

export interface ReconActivityDeps extends ActivityDeps {
  /** The Capital.com client acting for a broker account (one shared session per account). */
  capitalFor(accountId: string): CapitalClient;
  /** Default: RECON_STATEMENTS_DIR and RECON_LEGAL_ENTITY from the environment. */
  statements?: StatementsSettings;
}

/** All activities of the recon task queue, bound to their dependencies. */
export function createActivities(deps: ReconActivityDeps) {
  return {
    ...createSelfCheckActivities(deps),
    ...createIngestActivities(deps),
    ...createReconcileActivities(deps),
    ...createBalanceActivities(deps),
    ...createCrossCheckActivities(deps),
    ...createScheduleActivities(),
    ...createStatementActivities({ ...deps, statements: deps.statements ?? loadConfig().statements }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
