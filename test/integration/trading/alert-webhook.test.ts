/**
 * Alerts in the database and their webhook: a condition seen at every poll is one alert, resolved
 * when it stops, reopened when it comes back; deliveries are signed, retried, and never carry the secret.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createAlertActivities } from '../../../activities/alerts';
import { ensureIndexes } from '../../../lib/store/indexes';
import type { MongoHandle } from '../../../lib/store/mongo';
import { acknowledgeAlert, listAlerts, recordAlerts, type AlertInput } from '../../../lib/store/alerts';
import { verifyWebhookSignature } from '../../../lib/trading/webhook-signature';
import { quietLog } from '../../helpers/simulator';
import { openTestDatabase, testStack } from '../../helpers/stack';

const SECRET = 'whsec-integration-7f3a9c';
const ACCOUNT = 'ACC-ALERTS';
const T0 = Date.UTC(2026, 10, 24, 9, 0);

const stopMissing: AlertInput = { kind: 'governance', rule: 'stop-required@v1', severity: 'critical', subject: 'DEAL-1', message: 'position DEAL-1 has no stop', ongoing: true };
const illegal: AlertInput = { kind: 'illegal-transition', rule: 'lifecycle-transition', severity: 'warning', subject: 'DEAL-2', message: 'CANCELLED → CREATED refused', ongoing: false };

describe('alerts and their webhook', () => {
  let mongo: MongoHandle;
  let server: http.Server;
  let url: string;
  const received: Array<{ body: string; signature: string | undefined; alertId: string | undefined }> = [];
  let failNext = 0;

  before(async () => {
    mongo = await openTestDatabase(testStack(), 'alerts');
    await ensureIndexes(mongo.db);
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (failNext > 0) {
          failNext--;
          response.writeHead(503).end();
          return;
        }
        received.push({ body, signature: request.headers['x-recon-signature'] as string | undefined, alertId: request.headers['x-recon-alert-id'] as string | undefined });
        response.writeHead(204).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/recon`;
  });

  after(async () => {
    server?.close();
    await mongo?.close();
  });

  const poll = (sourceId: string, atMs: number, alerts: AlertInput[]) => recordAlerts(mongo.db, { accountId: ACCOUNT, sourceId, atMs, alerts, ongoingKinds: ['governance'], webhookConfigured: true });

  test('a condition seen at every poll is one alert; a retried poll does not count twice', async () => {
    assert.deepEqual(await poll('p1', T0, [stopMissing, illegal]), { raised: 2, reopened: 0, seenAgain: 0, resolved: 0 });
    assert.deepEqual(await poll('p1', T0, [stopMissing, illegal]), { raised: 0, reopened: 0, seenAgain: 0, resolved: 0 });
    assert.deepEqual(await poll('p2', T0 + 60_000, [stopMissing]), { raised: 0, reopened: 0, seenAgain: 1, resolved: 0 });
    const [alert] = await listAlerts(mongo.db, { accountId: ACCOUNT, kind: 'governance', limit: 10 });
    assert.equal(alert?.occurrences, 2);
    assert.equal(alert?.lastSeenAt.getTime(), T0 + 60_000);
  });

  test('deliveries are signed with the secret over the raw body, carry the alert id, and are retried', async () => {
    failNext = 1;
    const deliver = createAlertActivities({ db: mongo.db, log: quietLog, alertWebhook: { url, secret: SECRET } }).deliverAlerts;
    const result = await deliver({ accountId: ACCOUNT });
    assert.deepEqual(result, { delivered: 2, failed: 0, configured: true });
    assert.equal(received.length, 2);
    for (const delivery of received) {
      assert.deepEqual(verifyWebhookSignature(SECRET, delivery.body, delivery.signature, Date.now()), { ok: true });
      assert.equal(JSON.parse(delivery.body).id, delivery.alertId);
      assert.ok(!delivery.body.includes(SECRET) && !delivery.signature?.includes(SECRET));
    }
    assert.deepEqual((await deliver({ accountId: ACCOUNT })).delivered, 0, 'nothing is sent twice');
  });

  test('a receiver that keeps failing leaves the alert pending for the next poll', async () => {
    await poll('p3', T0 + 120_000, [stopMissing, { ...illegal, subject: 'DEAL-3' }]);
    failNext = 3;
    const deliver = createAlertActivities({ db: mongo.db, log: quietLog, alertWebhook: { url, secret: SECRET } }).deliverAlerts;
    const first = await deliver({ accountId: ACCOUNT });
    assert.deepEqual([first.delivered, first.failed], [0, 1]);
    const [pending] = await listAlerts(mongo.db, { accountId: ACCOUNT, subject: 'DEAL-3', limit: 1 });
    assert.equal(pending?.delivery.state, 'failed');
    assert.equal(pending?.delivery.lastError, 'HTTP 503');
    assert.deepEqual((await deliver({ accountId: ACCOUNT })).delivered, 1);
  });

  test('an ongoing condition no longer seen is resolved, and reopened (and delivered again) when it returns', async () => {
    assert.equal((await poll('p4', T0 + 180_000, [])).resolved, 1);
    const [resolved] = await listAlerts(mongo.db, { accountId: ACCOUNT, kind: 'governance', limit: 1 });
    assert.equal(resolved?.status, 'resolved');
    const [oneOff] = await listAlerts(mongo.db, { accountId: ACCOUNT, subject: 'DEAL-2', limit: 1 });
    assert.equal(oneOff?.status, 'open', 'a one-off event waits for someone to acknowledge it');
    assert.equal((await acknowledgeAlert(mongo.db, oneOff!._id, T0))?.status, 'acknowledged');

    assert.equal((await poll('p5', T0 + 240_000, [stopMissing])).reopened, 1);
    const [reopened] = await listAlerts(mongo.db, { accountId: ACCOUNT, kind: 'governance', limit: 1 });
    assert.equal(reopened?.status, 'open');
    assert.equal(reopened?.delivery.state, 'pending');
  });
});
