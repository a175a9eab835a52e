import type { Db, Filter } from 'mongodb';

/**
 * Alerts raised by the working-order monitor and the exposure snapshots: governance violations,
 * intended-vs-executed drift, illegal lifecycle transitions, orders gone without explanation,
 * exposure limit breaches and fast changes.
 *
 * One document per condition (`_id` = account, kind, rule, subject), so a condition seen at every
 * poll is one alert whose `lastSeenAt` and `occurrences` move, never a flood. Conditions that hold
 * while they last (`ongoing`) are resolved when a poll no longer sees them; one-off events stay
 * open until someone acknowledges them. A resolved condition that comes back is reopened and
 * delivered again.
 */
export const ALERTS = 'alerts';

export const ALERT_KINDS = ['governance', 'drift', 'illegal-transition', 'unexplained-order', 'exposure-limit', 'exposure-change'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_SEVERITIES = ['warning', 'breach', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'not-configured';

/** What the monitors report; the store adds identity, times and delivery. */
export interface AlertInput {
  kind: AlertKind;
  /** The rule that raised it, `name@version` where the rule set is versioned. */
  rule: string;
  severity: AlertSeverity;
  /** What it is about: a deal id, an instrument id, or `account`. */
  subject: string;
  message: string;
  /** Held while true (a policy violation, a breach); resolved when a later poll no longer sees it. */
  ongoing: boolean;
  details?: Record<string, unknown>;
}

export interface AlertDocument {
  _id: string;
  accountId: string;
  kind: AlertKind;
  rule: string;
  severity: AlertSeverity;
  subject: string;
  message: string;
  ongoing: boolean;
  details: Record<string, unknown>;
  status: AlertStatus;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt?: Date;
  acknowledgedAt?: Date;
  occurrences: number;
  /** The poll or snapshot that last saw it: a retried poll does not count twice. */
  lastSourceId: string;
  delivery: { state: DeliveryState; attempts: number; lastError?: string; deliveredAt?: Date };
}

/** What an alert says, as JSON-safe data (times in ISO UTC): the webhook's body and the core of the API's view. */
export function alertFacts(alert: AlertDocument) {
  return {
    id: alert._id,
    accountId: alert.accountId,
    kind: alert.kind,
    rule: alert.rule,
    severity: alert.severity,
    subject: alert.subject,
    message: alert.message,
    status: alert.status,
    ongoing: alert.ongoing,
    firstSeenAt: alert.firstSeenAt.toISOString(),
    lastSeenAt: alert.lastSeenAt.toISOString(),
    ...(alert.resolvedAt ? { resolvedAt: alert.resolvedAt.toISOString() } : {}),
    ...(alert.acknowledgedAt ? { acknowledgedAt: alert.acknowledgedAt.toISOString() } : {}),
    occurrences: alert.occurrences,
    details: alert.details,
  };
}

export function alertId(accountId: string, alert: Pick<AlertInput, 'kind' | 'rule' | 'subject'>): string {
  return `${accountId}:${alert.kind}:${alert.rule}:${alert.subject}`;
}

export interface AlertChanges {
  raised: number;
  reopened: number;
  seenAgain: number;
  resolved: number;
}

/**
 * Records what one poll saw. `ongoingKinds` are the kinds this poll checks in full: their open
 * alerts that it did not see are resolved (an exposure snapshot resolves exposure alerts, never a
 * governance one). Idempotent per `sourceId`.
 */
export async function recordAlerts(
  db: Db,
  input: { accountId: string; sourceId: string; atMs: number; alerts: readonly AlertInput[]; ongoingKinds: readonly AlertKind[]; webhookConfigured: boolean },
): Promise<AlertChanges> {
  const collection = db.collection<AlertDocument>(ALERTS);
  const at = new Date(input.atMs);
  const changes: AlertChanges = { raised: 0, reopened: 0, seenAgain: 0, resolved: 0 };
  const seen = new Set<string>();
  const freshDelivery = (): AlertDocument['delivery'] => ({ state: input.webhookConfigured ? 'pending' : 'not-configured', attempts: 0 });
  for (const alert of input.alerts) {
    const _id = alertId(input.accountId, alert);
    if (seen.has(_id)) continue;
    seen.add(_id);
    const stored = await collection.findOne({ _id });
    const current = { severity: alert.severity, message: alert.message, ongoing: alert.ongoing, details: alert.details ?? {}, lastSeenAt: at, lastSourceId: input.sourceId };
    if (!stored) {
      await collection.insertOne({ _id, accountId: input.accountId, kind: alert.kind, rule: alert.rule, subject: alert.subject, ...current, status: 'open', firstSeenAt: at, occurrences: 1, delivery: freshDelivery() });
      changes.raised++;
    } else if (stored.lastSourceId === input.sourceId) {
      continue;
    } else if (stored.status === 'resolved') {
      await collection.updateOne({ _id }, { $set: { ...current, status: 'open', delivery: freshDelivery() }, $unset: { resolvedAt: '', acknowledgedAt: '' }, $inc: { occurrences: 1 } });
      changes.reopened++;
    } else {
      await collection.updateOne({ _id }, { $set: current, $inc: { occurrences: 1 } });
      changes.seenAgain++;
    }
  }
  if (input.ongoingKinds.length > 0) {
    const stale = await collection
      .find({ accountId: input.accountId, kind: { $in: [...input.ongoingKinds] }, ongoing: true, status: { $in: ['open', 'acknowledged'] } }, { projection: { _id: 1 } })
      .toArray();
    for (const { _id } of stale) {
      if (seen.has(_id)) continue;
      await collection.updateOne({ _id }, { $set: { status: 'resolved', resolvedAt: at } });
      changes.resolved++;
    }
  }
  return changes;
}

export interface AlertQuery {
  accountId?: string;
  status?: AlertStatus;
  kind?: AlertKind;
  subject?: string;
  limit: number;
}

/** Newest first (by when last seen). */
export async function listAlerts(db: Db, query: AlertQuery): Promise<AlertDocument[]> {
  const filter: Filter<AlertDocument> = {};
  if (query.accountId) filter.accountId = query.accountId;
  if (query.status) filter.status = query.status;
  if (query.kind) filter.kind = query.kind;
  if (query.subject) filter.subject = query.subject;
  return db.collection<AlertDocument>(ALERTS).find(filter).sort({ lastSeenAt: -1, _id: 1 }).limit(query.limit).toArray();
}

/** Someone has seen it: an acknowledged ongoing alert still resolves by itself; a one-off one is done. */
export async function acknowledgeAlert(db: Db, id: string, atMs: number): Promise<AlertDocument | null> {
  const collection = db.collection<AlertDocument>(ALERTS);
  const stored = await collection.findOne({ _id: id });
  if (!stored) return null;
  if (stored.status === 'open') await collection.updateOne({ _id: id }, { $set: { status: 'acknowledged', acknowledgedAt: new Date(atMs) } });
  return collection.findOne({ _id: id });
}

/** Polls that try one alert: about an hour at the default interval; then it stays `failed`, visible in the API. */
export const DELIVERY_ATTEMPTS_MAX = 60;

/** Alerts waiting for the webhook, oldest first, at most `limit`. */
export async function alertsToDeliver(db: Db, accountId: string, limit: number): Promise<AlertDocument[]> {
  return db
    .collection<AlertDocument>(ALERTS)
    .find({ accountId, 'delivery.state': { $in: ['pending', 'failed'] }, 'delivery.attempts': { $lt: DELIVERY_ATTEMPTS_MAX } })
    .sort({ lastSeenAt: 1, _id: 1 })
    .limit(limit)
    .toArray();
}

export async function recordDelivery(db: Db, id: string, outcome: { delivered: true; atMs: number } | { delivered: false; error: string }): Promise<void> {
  const $set = outcome.delivered ? { 'delivery.state': 'delivered', 'delivery.deliveredAt': new Date(outcome.atMs) } : { 'delivery.state': 'failed', 'delivery.lastError': outcome.error };
  await db.collection<AlertDocument>(ALERTS).updateOne({ _id: id }, { $set, $inc: { 'delivery.attempts': 1 } });
}

export async function ensureAlertIndexes(db: Db): Promise<void> {
  await db.collection(ALERTS).createIndex({ accountId: 1, status: 1, lastSeenAt: -1 });
}
