import { alertFacts, alertsToDeliver, recordDelivery, type AlertDocument } from '../lib/store/alerts';
import { SIGNATURE_HEADER, signWebhookBody } from '../lib/trading/webhook-signature';
import type { ActivityDeps } from './deps';
import { heartbeat } from './heartbeat';

/** Where alerts go, if anywhere (RECON_ALERT_WEBHOOK_URL, RECON_ALERT_WEBHOOK_SECRET). */
export interface AlertWebhook {
  url: string;
  secret: string;
}

export interface AlertDeps extends ActivityDeps {
  alertWebhook?: AlertWebhook;
}

export interface AlertDeliveryResult {
  delivered: number;
  failed: number;
  /** No webhook configured: alerts are kept in MongoDB and shown by the API and CLI only. */
  configured: boolean;
}

/** Alerts sent per poll: a backlog after an outage drains over a few polls, never in one burst. */
const DELIVERIES_PER_POLL_MAX = 50;
const REQUEST_TIMEOUT_MS = 10_000;
const TRIES_PER_ALERT = 3;
const RETRY_DELAY_MS = 500;

export function createAlertActivities(deps: AlertDeps) {
  /** One POST; true when the receiver answered 2xx. The reason otherwise, without the secret. */
  async function post(webhook: AlertWebhook, alert: AlertDocument): Promise<{ ok: true } | { ok: false; error: string }> {
    const body = JSON.stringify(alertFacts(alert));
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhookBody(webhook.secret, body, Date.now()), 'x-recon-alert-id': alert._id },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.body?.cancel();
      return response.ok ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, error: (error as Error).name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS} ms` : (error as Error).message };
    }
  }

  return {
    /**
     * Sends the account's pending alerts to the webhook, signed (lib/trading/webhook-signature.ts),
     * each tried a few times; one that still fails stays pending for the next poll. Receivers
     * de-duplicate by `x-recon-alert-id`: a crash between the POST and recording it sends it again.
     */
    async deliverAlerts(input: { accountId: string }): Promise<AlertDeliveryResult> {
      const webhook = deps.alertWebhook;
      if (!webhook) return { delivered: 0, failed: 0, configured: false };
      const result: AlertDeliveryResult = { delivered: 0, failed: 0, configured: true };
      for (const alert of await alertsToDeliver(deps.db, input.accountId, DELIVERIES_PER_POLL_MAX)) {
        heartbeat({ alert: alert._id });
        let outcome = await post(webhook, alert);
        for (let attempt = 1; !outcome.ok && attempt < TRIES_PER_ALERT; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * 2 ** (attempt - 1)));
          outcome = await post(webhook, alert);
        }
        if (outcome.ok) {
          await recordDelivery(deps.db, alert._id, { delivered: true, atMs: Date.now() });
          result.delivered++;
        } else {
          await recordDelivery(deps.db, alert._id, { delivered: false, error: outcome.error });
          deps.log.warn({ alertId: alert._id, error: outcome.error }, 'alert webhook delivery failed; it stays pending');
          result.failed++;
        }
      }
      return result;
    },
  };
}
