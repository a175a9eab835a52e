import type { CapitalClient } from '../lib/capital';
import { loadConfig } from '../lib/config';
import { createAlertActivities, type AlertWebhook } from './alerts';
import { createBalanceActivities } from './balances';
import { createCrossCheckActivities } from './cross-check';
import type { ActivityDeps } from './deps';
import { keepAlive } from './heartbeat';
import { createIngestActivities } from './ingest';
import { createReconcileActivities } from './reconcile';
import { createScheduleActivities } from './schedules';
import { createSelfCheckActivities } from './self-check';
import { createStatementActivities, type StatementsSettings } from './statements';
import { createTradeIntentActivities } from './trade-intents';
import { createBackfillActivities } from './market-backfill';
import { createTradingActivities } from './trading';
import { createWatchlistActivities } from './watchlists';
import { createSentimentActivities } from './market-sentiment';
import type { CapitalEnvironment } from '../lib/capital/environments';
import { DEFAULT_TRADING_POLICY, type TradingPolicy } from '../lib/trading/policy';

export type { ActivityDeps } from './deps';
export type { SelfCheckInput, SelfCheckOutcome } from './self-check';
export type { AnchorOutcome, CapturedSnapshot, RollForwardPlan, RollForwardStatus, RollForwardSummary } from './balances';
export type { CrossCheckSummary } from './cross-check';
export type { StatementsResult, StatementsSettings } from './statements';
export type { IngestCounts, IngestWindowInput, IngestWindowResult, WindowRead } from './ingest';
export type { AlertDeliveryResult, AlertWebhook } from './alerts';
export type { ExposureCaptureResult, OrderPollResult, StoredOrder } from './trading';
export type { FoundDeal, IntentResult, PlaceOutcome } from './trade-intents';
export type { PeriodInput, PeriodPlan, PlanPeriodInput, PostLedgerResult, ReconcileResult } from './reconcile';
export type { BackfillChunkInput, BackfillChunkResult, SetAsideCounts } from './market-backfill';

export interface ReconActivityDeps extends ActivityDeps {
  /** The Capital.com client acting for a broker account (one shared session per account). */
  capitalFor(accountId: string): CapitalClient;
  /** Default: RECON_STATEMENTS_DIR and RECON_LEGAL_ENTITY from the environment. */
  statements?: StatementsSettings;
  /** The trading monitors' settings; default: the shipped policy, no webhook, 90 days of exposure. */
  trading?: TradingSettings;
}

export interface TradingSettings {
  policy: TradingPolicy;
  alertWebhook?: AlertWebhook;
  exposureRetentionDays: number;
  /** Which broker the worker trades with: the intents' demo-only rule refuses `live`. */
  environment: CapitalEnvironment;
}

const DEFAULT_TRADING_SETTINGS: TradingSettings = { policy: DEFAULT_TRADING_POLICY, exposureRetentionDays: 90, environment: 'custom' };

type ActivityFunctions = Record<string, (...args: never[]) => Promise<unknown>>;

/** Every activity heartbeats while it runs (see keepAlive): the heartbeat timeout then means a dead worker. */
function keptAlive<T extends ActivityFunctions>(activities: T): T {
  return Object.fromEntries(Object.entries(activities).map(([name, activity]) => [name, (...args: never[]) => keepAlive(() => activity(...args))])) as T;
}

/** All activities of the recon task queue, bound to their dependencies. */
export function createActivities(deps: ReconActivityDeps) {
  return {
    ...keptAlive({
      ...createSelfCheckActivities(deps),
      ...createIngestActivities(deps),
      ...createReconcileActivities(deps),
      ...createBalanceActivities(deps),
      ...createCrossCheckActivities(deps),
      ...createStatementActivities({ ...deps, statements: deps.statements ?? loadConfig().statements }),
      ...createTradingActivities({ ...deps, ...tradingDeps(deps.trading ?? DEFAULT_TRADING_SETTINGS) }),
      ...createAlertActivities({ ...deps, ...tradingDeps(deps.trading ?? DEFAULT_TRADING_SETTINGS) }),
      ...createTradeIntentActivities({ ...deps, ...tradingDeps(deps.trading ?? DEFAULT_TRADING_SETTINGS) }),
      ...createBackfillActivities(deps),
      ...createWatchlistActivities(deps),
      ...createSentimentActivities(deps),
    }),
    // Local activities: they do not heartbeat.
    ...createScheduleActivities(),
  };
}

function tradingDeps(settings: TradingSettings) {
  return { tradingPolicy: settings.policy, intentRisk: settings.policy.intentRisk, environment: settings.environment, exposureRetentionDays: settings.exposureRetentionDays, ...(settings.alertWebhook ? { alertWebhook: settings.alertWebhook } : {}) };
}

export type Activities = ReturnType<typeof createActivities>;
