import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type IntentParseOptions, type TradeIntent, intentWorkflowId, parseTradeIntent } from '../../../lib/trading/intent';

const NOW_MS = Date.UTC(2025, 2, 5, 10, 0);
const OPTIONS: IntentParseOptions = { source: 'tv', nowMs: NOW_MS, symbols: { XAUUSD: 'GOLD' } };
const ALERT = { instrument: 'GOLD', direction: 'BUY', size: '1', stop: { distance: '20' }, alertId: '9001', alertTime: '2025-03-05T09:59:58Z' };

function keyOf(body: unknown, options: Partial<IntentParseOptions> = {}): string {
  const result = parseTradeIntent(body, { ...OPTIONS, ...options });
  assert.ok(result.ok, JSON.stringify(result));
  return result.intent.idempotencyKey;
}

describe('an idempotency key given in the payload', () => {
  test('is used as it is, under idempotencyKey, id or key', () => {
    for (const name of ['idempotencyKey', 'id', 'key', 'IDEMPOTENCY_KEY']) assert.equal(keyOf({ ...ALERT, [name]: 'desk:2025-03-05.1' }), 'desk:2025-03-05.1', name);
  });

  test('is 1–128 of letters, digits and . _ : -', () => {
    assert.equal(keyOf({ ...ALERT, id: 'k'.repeat(128) }), 'k'.repeat(128));
    for (const bad of ['k'.repeat(129), 'a b', 'a/b', 'é']) {
      const result = parseTradeIntent({ ...ALERT, id: bad }, OPTIONS);
      assert.ok(!result.ok && result.problems.some((p) => p.field === 'idempotencyKey' && p.rule === 'text'), bad);
    }
  });
});

describe('a key derived from the alert (source, alert id, alert time)', () => {
  test('is stable: the same alert sent again, re-ordered, re-spelt or as text gives the same key', () => {
    const key = keyOf(ALERT);
    assert.match(key, /^a-[0-9a-f]{32}$/);
    assert.equal(keyOf(JSON.stringify(ALERT)), key);
    assert.equal(keyOf('alert_id=9001 timenow=2025-03-05T10:59:58+01:00 sl=20 qty=1.0 side=long ticker=GOLD'), key);
  });

  test('differs when the alert time, the alert id or the source differs', () => {
    const key = keyOf(ALERT);
    assert.notEqual(keyOf({ ...ALERT, alertTime: '2025-03-05T09:59:59Z' }), key);
    assert.notEqual(keyOf({ ...ALERT, alertId: '9002' }), key);
    assert.notEqual(keyOf(ALERT, { source: 'desk' }), key);
  });

  test('depends only on the alert, not its terms: a resend with other terms is still the same alert', () => {
    assert.equal(keyOf({ ...ALERT, size: '2' }), keyOf(ALERT));
  });
});

describe('a key derived from the terms and the alert time (no alert id)', () => {
  const TERMS = { ...ALERT, alertId: undefined };

  test('is stable across spellings of the same terms', () => {
    const key = keyOf(TERMS);
    assert.match(key, /^h-[0-9a-f]{32}$/);
    assert.equal(keyOf({ ...TERMS, size: '1.00', direction: 'long' }), key);
    assert.equal(keyOf({ ...TERMS, instrument: 'XAUUSD' }), key, 'the mapped epic counts, not the symbol');
  });

  test('differs when a term or the alert time differs', () => {
    const key = keyOf(TERMS);
    assert.notEqual(keyOf({ ...TERMS, size: '2' }), key);
    assert.notEqual(keyOf({ ...TERMS, stop: { distance: '21' } }), key);
    assert.notEqual(keyOf({ ...TERMS, strategy: 'other' }), key);
    assert.notEqual(keyOf({ ...TERMS, alertTime: '2025-03-05T09:59:59Z' }), key);
  });
});

describe('no key and no alert time', () => {
  test('is refused: two identical alerts at different times would otherwise be one intent', () => {
    const result = parseTradeIntent({ ...ALERT, alertTime: undefined }, OPTIONS);
    assert.ok(!result.ok);
    assert.deepEqual(result.problems.map((p) => `${p.field}:${p.rule}`), ['idempotencyKey:idempotency-key-or-alert-time']);
  });
});

describe('the workflow id', () => {
  test('is intent:<source>:<key>', () => {
    const result = parseTradeIntent({ ...ALERT, id: 'demo-1' }, { ...OPTIONS, source: 'desk' });
    assert.ok(result.ok);
    const intent: TradeIntent = result.intent;
    assert.equal(intentWorkflowId(intent), 'intent:desk:demo-1');
  });
});
