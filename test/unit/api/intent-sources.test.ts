import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authenticateDelivery, IntentSourceConfigError, parseIntentSources } from '../../../api/auth/intent-sources';
import { withoutCredentials } from '../../../api/http/request-log';
import { signWebhookBody } from '../../../lib/trading/webhook-signature';

const SECRET = 's'.repeat(40);
const TOKEN = 't'.repeat(40);
const NOW_MS = Date.UTC(2026, 10, 24, 10, 0);
const sources = parseIntentSources(`desk:hmac:${SECRET}:ACC-1,tradingview:token:${TOKEN}:ACC-2`);
const BODY = '{"instrument":"GOLD","direction":"BUY","size":"1"}';

describe('trade-intent sources', () => {
  test('parses signing and token sources with the account each trades on', () => {
    assert.deepEqual(sources.map((s) => [s.name, s.auth.kind, s.accountId]), [['desk', 'hmac', 'ACC-1'], ['tradingview', 'token', 'ACC-2']]);
  });

  test('refuses malformed entries without quoting the secret', () => {
    for (const spec of [`desk:rsa:${SECRET}:ACC`, `desk:hmac:short:ACC`, `desk:hmac:${SECRET}`, `desk:hmac:${SECRET}:ACC,desk:token:${TOKEN}:ACC`, `-bad:hmac:${SECRET}:ACC`]) {
      assert.throws(() => parseIntentSources(spec), (error: Error) => error instanceof IntentSourceConfigError && !error.message.includes(SECRET) && !error.message.includes(TOKEN), spec);
    }
  });

  test('a signing source needs a fresh, valid signature over the exact body', () => {
    const ok = authenticateDelivery(sources, { source: 'desk', signature: signWebhookBody(SECRET, BODY, NOW_MS), rawBody: BODY, nowMs: NOW_MS });
    assert.equal(ok.ok, true);
    const cases = [
      { signature: undefined, reason: /must sign/ },
      { signature: signWebhookBody(SECRET, `${BODY} `, NOW_MS), reason: /does not match/ },
      { signature: signWebhookBody(SECRET, BODY, NOW_MS - 301_000), reason: /tolerance/ },
      { signature: signWebhookBody('x'.repeat(40), BODY, NOW_MS), reason: /does not match/ },
    ];
    for (const { signature, reason } of cases) {
      const refused = authenticateDelivery(sources, { source: 'desk', ...(signature ? { signature } : {}), rawBody: BODY, nowMs: NOW_MS });
      assert.equal(refused.ok, false);
      assert.match((refused as { reason: string }).reason, reason);
    }
  });

  test('a token source needs its token; an unknown or unnamed source is refused', () => {
    assert.equal(authenticateDelivery(sources, { source: 'tradingview', token: TOKEN, rawBody: BODY, nowMs: NOW_MS }).ok, true);
    assert.equal(authenticateDelivery(sources, { source: 'tradingview', token: 'x'.repeat(40), rawBody: BODY, nowMs: NOW_MS }).ok, false);
    assert.equal(authenticateDelivery(sources, { source: 'tradingview', rawBody: BODY, nowMs: NOW_MS }).ok, false);
    assert.match((authenticateDelivery(sources, { source: 'nobody', token: TOKEN, rawBody: BODY, nowMs: NOW_MS }) as { reason: string }).reason, /unknown source/);
    assert.match((authenticateDelivery(sources, { rawBody: BODY, nowMs: NOW_MS }) as { reason: string }).reason, /no source named/);
  });

  test('credentials in a query string never reach the request log', () => {
    assert.equal(withoutCredentials(`/webhooks/trade-intents?source=tradingview&token=${TOKEN}`), '/webhooks/trade-intents?source=tradingview&token=[REDACTED]');
    assert.equal(withoutCredentials('/runs?accountId=1&limit=5'), '/runs?accountId=1&limit=5');
  });
});
