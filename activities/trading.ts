import { ApplicationFailure } from '@temporalio/common';
import type { CapitalClient } from '../lib/capital';
import type { Activity } from '../lib/capital/schemas/history';
import { recordAlerts, type AlertChanges } from '../lib/store/alerts';
import { exposureSnapshotAt, pruneExposureSnapshots, saveExposureSnapshot } from '../lib/store/exposure';
import { appendOrderChanges, lifecycleId, loadLifecycles, loadOrderSnapshot, saveLifecycle, saveOrderSnapshot, type OrderChangeDocument, type OrderLifecycleDocument } from '../lib/store/orders';
import { computeExposureSnapshot, EXPOSURE_SNAPSHOT_VERSION, exposureMetrics, type ExposureSnapshot } from '../lib/trading/exposure';
import { observeOrders, type MonitoredOrder } from '../lib/trading/order-monitor';
import { ORDER_STATES, TERMINAL_STATES, type OrderIntentTerms, type OrderState, type OrderTerms } from '../lib/trading/orders';
import type { TradingPolicy } from '../lib/trading/policy';
import { instrumentId } from '../lib/ledger/instrument-id';
import type { AlertDeps } from './alerts';
import { withCapitalFailures } from './capital-failures';
import { ratesIntoAccountCurrency } from './fx-rates';
import { heartbeat } from './heartbeat';

export interface TradingDeps extends AlertDeps {
  capitalFor(accountId: string): CapitalClient;
  tradingPolicy: TradingPolicy;
  /** Exposure snapshots older than this many days are pruned (RECON_EXPOSURE_RETENTION_DAYS). */
  exposureRetentionDays: number;
}

/** A lifecycle document's payload: the monitor's record, plus the intent for orders we placed. */
export type StoredOrder = MonitoredOrder & { intent?: OrderIntentTerms };

export interface OrderPollResult {
  snapshotId: string;
  /** The broker's clock when the poll read the account. */
  atMs: number;
  liveOrders: number;
  positions: number;
  activityRows: number;
  changes: number;
  illegalTransitions: number;
  missing: number;
  quarantined: number;
  states: Record<OrderState, number>;
  alerts: AlertChanges;
}

export interface ExposureCaptureResult {
  snapshotId: string;
  atMs: number;
  positions: number;
  grossExposure: string;
  effectiveLeverage: string | null;
  breaches: number;
  complete: boolean;
  alerts: AlertChanges;
  pruned: number;
}

/** The first poll of an account looks back this far for orders that came and went. */
const FIRST_POLL_LOOKBACK_MS = 10 * 60_000;
/** After a long pause, read at most this much activity (a week of one-day requests). */
const ACTIVITY_LOOKBACK_MAX_MS = 7 * 86_400_000;
/** Read a little before the last poll: rows the broker stamped just before it but published after. */
const ACTIVITY_OVERLAP_MS = 60_000;
const DAY_MS = 86_400_000;
const OPEN_STATES = ORDER_STATES.filter((state) => !TERMINAL_STATES.has(state));

export function createTradingActivities(deps: TradingDeps) {
  async function readActivity(client: CapitalClient, fromMs: number, toMs: number): Promise<Activity[]> {
    const rows: Activity[] = [];
    for await (const day of client.activityBetween({ fromMs, toMs }, { detailed: true })) {
      rows.push(...day.activities);
      heartbeat({ activityRows: rows.length });
    }
    return rows;
  }

  /**
   * One poll of the working-order monitor: reads the account, steps every order's lifecycle
   * (lib/trading/order-monitor.ts), appends the change log, records alerts, then stores the
   * snapshot the next poll diffs against. Written in that order so a retry redoes what is missing.
   */
  async function pollWorkingOrders(input: { accountId: string; snapshotId: string }): Promise<OrderPollResult> {
    const client = deps.capitalFor(input.accountId);
    const nowMs = (await client.serverTime()).serverTime;
    const previous = await loadOrderSnapshot<OrderTerms>(deps.db, input.accountId);
    const [{ workingOrders }, { positions }] = await Promise.all([client.workingOrders(), client.positions()]);
    const fromMs = Math.max(previous ? previous.takenAtMs - ACTIVITY_OVERLAP_MS : nowMs - FIRST_POLL_LOOKBACK_MS, nowMs - ACTIVITY_LOOKBACK_MAX_MS);
    const activities = await readActivity(client, fromMs, nowMs + 1);
    const seenDealIds = [...workingOrders.map((o) => o.workingOrderData.dealId), ...activities.map((row) => row.dealId), ...positions.map((p) => p.position.workingOrderId)];
    const stored = await loadLifecycles<StoredOrder>(deps.db, input.accountId, OPEN_STATES, seenDealIds);
    const known = new Map(stored.map((doc) => [doc.dealId, doc.lifecycle]));
    const intents = new Map(stored.flatMap((doc) => (doc.lifecycle.intent ? [[doc.dealId, doc.lifecycle.intent] as const] : [])));

    const outcome = observeOrders({ snapshotId: input.snapshotId, nowMs, previousOrders: previous?.orders, known, workingOrders, positions, activities, intents, policy: deps.tradingPolicy.governance });

    const changes: OrderChangeDocument[] = outcome.changes.map((change, index) => ({
      _id: `${input.accountId}:${input.snapshotId}:${String(index).padStart(5, '0')}`,
      accountId: input.accountId,
      snapshotId: input.snapshotId,
      atMs: nowMs,
      ...change,
      changes: change.changes.map((c) => ({ field: c.field, before: c.before, after: c.after })),
    }));
    await appendOrderChanges(deps.db, changes);
    const alerts = await recordAlerts(deps.db, { accountId: input.accountId, sourceId: input.snapshotId, atMs: nowMs, alerts: outcome.alerts, ongoingKinds: ['governance', 'drift', 'unexplained-order'], webhookConfigured: deps.alertWebhook !== undefined });
    for (const order of outcome.updated.values()) {
      const previousIntent = known.get(order.lifecycle.dealId)?.intent;
      const lifecycle: StoredOrder = previousIntent ? { ...order, intent: previousIntent } : order;
      const document: OrderLifecycleDocument<StoredOrder> = {
        _id: lifecycleId(input.accountId, order.lifecycle.dealId),
        accountId: input.accountId,
        dealId: order.lifecycle.dealId,
        state: order.lifecycle.state,
        epic: order.epic,
        instrumentId: instrumentId(order.epic),
        updatedAtMs: order.updatedAtMs,
        lastSnapshotId: order.lastSnapshotId,
        ...(order.lifecycle.missingSinceMs !== undefined ? { missingSinceMs: order.lifecycle.missingSinceMs } : {}),
        lifecycle,
      };
      await saveLifecycle(deps.db, document);
    }
    await saveOrderSnapshot<OrderTerms>(deps.db, { accountId: input.accountId, snapshotId: input.snapshotId, takenAtMs: nowMs, orders: outcome.orders, positionDealIds: positions.map((p) => p.position.dealId).sort() });
    for (const bad of outcome.quarantined) deps.log.warn({ accountId: input.accountId, dealId: bad.dealId, reason: bad.reason }, 'working order quarantined: the broker sent terms that cannot be read');
    deps.log.info({ accountId: input.accountId, snapshotId: input.snapshotId, changes: changes.length, alerts }, 'working orders polled');
    const { live, positions: positionCount, missing, illegal, ...states } = outcome.counts;
    return { snapshotId: input.snapshotId, atMs: nowMs, liveOrders: live, positions: positionCount, activityRows: activities.length, changes: changes.length, illegalTransitions: illegal, missing, quarantined: outcome.quarantined.length, states, alerts };
  }

  /**
   * One exposure snapshot: positions, market details (margin factors) and FX rates into the
   * account currency, computed by lib/trading/exposure.ts against the previous snapshot and the
   * limits; breaches become alerts. Snapshots past the retention are pruned.
   */
  async function captureExposure(input: { accountId: string; sourceId: string }): Promise<ExposureCaptureResult> {
    const client = deps.capitalFor(input.accountId);
    const atMs = (await client.serverTime()).serverTime;
    const [{ accounts }, { positions }] = await Promise.all([client.accounts(), client.positions()]);
    const account = accounts.find((a) => a.accountId === input.accountId);
    if (!account) throw ApplicationFailure.nonRetryable(`account ${input.accountId} is not among the accounts this API key sees (${accounts.map((a) => a.accountId).join(', ')})`, 'UnknownAccount');
    const epics = [...new Set(positions.map((p) => p.market.epic))].sort();
    const details = epics.length > 0 ? await client.marketsByEpics(epics) : [];
    const instruments = Object.fromEntries(details.map((d) => [d.instrument.epic, d.instrument]));
    const currencies = new Set(details.map((d) => d.instrument.currency));
    const { rates } = await ratesIntoAccountCurrency(client, account.currency, currencies);
    const previous = await exposureSnapshotAt<ExposureSnapshot>(deps.db, input.accountId);
    const snapshot = computeExposureSnapshot({
      accountId: input.accountId,
      accountCurrency: account.currency,
      equity: account.balance.balance,
      positions,
      instruments,
      fxRates: rates,
      atMs,
      // A snapshot written by another version of the maths is not compared with (changes start afresh).
      previous: previous?.snapshot.version === EXPOSURE_SNAPSHOT_VERSION ? previous.snapshot : null,
      limits: deps.tradingPolicy.exposureLimits,
      // A currency no market converts is flagged (critical alert), never valued at 1 nor a failed poll.
      onMissingFxRate: 'unconverted',
    });
    const snapshotId = await saveExposureSnapshot(deps.db, { accountId: input.accountId, atMs, sourceId: input.sourceId, metrics: exposureMetrics(snapshot), snapshot });
    const alerts = await recordAlerts(deps.db, {
      accountId: input.accountId,
      sourceId: input.sourceId,
      atMs,
      alerts: [
        ...snapshot.breaches.map((breach) => ({ kind: 'exposure-limit' as const, rule: breach.rule, severity: breach.severity, subject: breach.key, message: breach.message, ongoing: true, details: { value: breach.value, threshold: breach.threshold, snapshotId } })),
        ...(snapshot.changes?.fastChanges ?? []).map((change) => ({ kind: 'exposure-change' as const, rule: `fast-change@${snapshot.limitsVersion}`, severity: 'warning' as const, subject: change.key, message: change.message, ongoing: false, details: { ...change, snapshotId } })),
      ],
      ongoingKinds: ['exposure-limit'],
      webhookConfigured: deps.alertWebhook !== undefined,
    });
    const pruned = await pruneExposureSnapshots(deps.db, input.accountId, atMs - deps.exposureRetentionDays * DAY_MS);
    return { snapshotId, atMs, positions: positions.length, grossExposure: snapshot.totals.grossExposure, effectiveLeverage: snapshot.leverage.effective, breaches: snapshot.breaches.length, complete: snapshot.complete, alerts, pruned };
  }

  return {
    pollWorkingOrders: withCapitalFailures(pollWorkingOrders),
    captureExposure: withCapitalFailures(captureExposure),
  };
}
