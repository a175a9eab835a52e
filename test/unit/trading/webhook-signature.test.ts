import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { signWebhookBody, verifyWebhookSignature } from '../../../lib/trading/webhook-signature';

const SECRET = 'whsec-test-0123456789';
const BODY = '{"id":"acc:governance:stop-required@v1:deal-1","severity":"critical"}';
const AT_MS = Date.UTC(2026, 10, 24, 9, 0, 0, 500);

describe('alert webhook signatures', () => {
  it('signs the timestamp and the raw body with HMAC-SHA256', () => {
    const header = signWebhookBody(SECRET, BODY, AT_MS);
    const seconds = Math.floor(AT_MS / 1000);
    const expected = createHmac('sha256', SECRET).update(`${seconds}.${BODY}`).digest('hex');
    assert.equal(header, `t=${seconds},v1=${expected}`);
  });

  it('accepts its own signature inside the tolerance', () => {
    assert.deepEqual(verifyWebhookSignature(SECRET, BODY, signWebhookBody(SECRET, BODY, AT_MS), AT_MS + 60_000), { ok: true });
  });

  it('refuses another secret, a changed body, an old timestamp and a malformed header', () => {
    const header = signWebhookBody(SECRET, BODY, AT_MS);
    assert.deepEqual(verifyWebhookSignature('other-secret', BODY, header, AT_MS), { ok: false, reason: 'signature does not match' });
    assert.deepEqual(verifyWebhookSignature(SECRET, `${BODY} `, header, AT_MS), { ok: false, reason: 'signature does not match' });
    assert.match(String((verifyWebhookSignature(SECRET, BODY, header, AT_MS + 301_000) as { reason: string }).reason), /outside the 300 s tolerance/);
    assert.deepEqual(verifyWebhookSignature(SECRET, BODY, 't=abc,v1=zz', AT_MS), { ok: false, reason: 'malformed signature header' });
    assert.deepEqual(verifyWebhookSignature(SECRET, BODY, undefined, AT_MS), { ok: false, reason: 'no signature header' });
  });

  it('a replayed body with a fresh timestamp but the old signature does not verify', () => {
    const old = signWebhookBody(SECRET, BODY, AT_MS);
    const v1 = old.split('v1=')[1];
    const forged = `t=${Math.floor(AT_MS / 1000) + 3600},v1=${v1}`;
    assert.deepEqual(verifyWebhookSignature(SECRET, BODY, forged, AT_MS + 3_600_000), { ok: false, reason: 'signature does not match' });
  });
});
