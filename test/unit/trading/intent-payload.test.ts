import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { INTENT_BODY_CHARS_MAX, type IntentParse, type IntentParseOptions, type IntentProblem, type TradeIntent, parseTradeIntent, parseZonedTime, tradeIntentSchema } from '../../../lib/trading/intent';

const NOW_MS = Date.UTC(2025, 2, 5, 10, 0);
const OPTIONS: IntentParseOptions = { source: 'desk', nowMs: NOW_MS, symbols: { XAUUSD: 'GOLD', nas100usd: 'US100' } };

function parsed(body: unknown, options: Partial<IntentParseOptions> = {}): TradeIntent {
  const result = parseTradeIntent(body, { ...OPTIONS, ...options });
  assert.ok(result.ok, `expected the payload to parse: ${JSON.stringify(result)}`);
  return result.intent;
}

function problems(body: unknown, options: Partial<IntentParseOptions> = {}): IntentProblem[] {
  const result: IntentParse = parseTradeIntent(body, { ...OPTIONS, ...options });
  assert.ok(!result.ok, `expected problems, got ${JSON.stringify(result)}`);
  return result.problems;
}

function rules(body: unknown, options: Partial<IntentParseOptions> = {}): string[] {
  return problems(body, options).map((p) => `${p.field}:${p.rule}`);
}

const MINIMAL = { instrument: 'GOLD', direction: 'BUY', size: '1', idempotencyKey: 'k-1' };

describe('a JSON payload', () => {
  test('the documented TradingView example becomes a MARKET intent on the mapped epic', () => {
    const intent = parsed(
      JSON.stringify({ strategy: 'breakout-v2', instrument: 'XAUUSD', direction: 'buy', size: '0.5', orderType: 'MARKET', stopLoss: { distance: '25' }, takeProfit: { distance: '60' }, alertId: '12345', alertTime: '2025-03-05T09:59:58Z' }),
    );
    assert.deepEqual(
      { ...intent, idempotencyKey: undefined },
      {
        source: 'desk',
        strategy: 'breakout-v2',
        instrument: 'XAUUSD',
        epic: 'GOLD',
        direction: 'BUY',
        size: '0.5',
        orderType: 'MARKET',
        stop: { distance: '25' },
        profit: { distance: '60' },
        guaranteedStop: false,
        trailingStop: false,
        idempotencyKey: undefined,
        alertId: '12345',
        alertTimeMs: Date.UTC(2025, 2, 5, 9, 59, 58),
      },
    );
    assert.match(intent.idempotencyKey, /^a-[0-9a-f]{32}$/);
  });

  test('decimals come out canonical, from text or from JSON numbers', () => {
    const intent = parsed({ ...MINIMAL, size: 0.5, orderType: 'limit', level: '2000.50', stopLevel: 1990.0, profit: { amount: '+120.000' } });
    assert.equal(intent.size, '0.5');
    assert.equal(intent.level, '2000.5');
    assert.deepEqual(intent.stop, { level: '1990' });
    assert.deepEqual(intent.profit, { amount: '120' });
  });

  test('an already parsed object is read like its JSON text', () => {
    assert.deepEqual(parsed(MINIMAL), parsed(JSON.stringify(MINIMAL)));
  });

  test('unknown fields are refused, each named, and so is an unknown stop kind', () => {
    assert.deepEqual(rules({ ...MINIMAL, stoploss_pct: '2', comment: 'hi', stopLoss: { percent: 1 } }), ['stoploss_pct:unknown-field', 'comment:unknown-field', 'stop.percent:unknown-field']);
  });

  test('one field sent under two aliases is a duplicate, the first value kept for the other checks', () => {
    assert.deepEqual(rules({ ...MINIMAL, qty: '2' }), ['size:duplicate-field']);
    assert.deepEqual(rules({ ...MINIMAL, sl: 10, stopDistance: 12 }), ['stop.distance:duplicate-field']);
  });

  test('null and empty values mean not given', () => {
    const intent = parsed({ ...MINIMAL, stopLoss: null, takeProfit: '', strategy: ' ' });
    assert.equal(intent.stop, undefined);
    assert.equal(intent.profit, undefined);
    assert.equal(intent.strategy, 'default');
  });

  test('a body that is not a JSON object, not JSON at all, empty or too large is one body problem', () => {
    assert.deepEqual(rules('[1, 2]'), ['body:json']);
    assert.deepEqual(rules('{"size": 1,'), ['body:json']);
    assert.deepEqual(rules('  \n '), ['body:required']);
    assert.deepEqual(rules(`id=${'x'.repeat(INTENT_BODY_CHARS_MAX)}`), ['body:too-large']);
    assert.deepEqual(rules(42), ['body:json']);
  });
});

describe('a plain-text payload', () => {
  test('newline-separated pairs with aliases in any case give the same intent as JSON', () => {
    const text = parsed('TICKER=XAUUSD\nSide=Long\nQTY=1\nsl=25\nStrategy=dup\nid=dup-100');
    const json = parsed({ instrument: 'XAUUSD', direction: 'buy', size: '1', stop: { distance: '25' }, strategy: 'dup', idempotencyKey: 'dup-100' });
    assert.deepEqual(text, json);
    assert.equal(text.epic, 'GOLD');
  });

  test('&, ;, commas, spaces and CRLF separate pairs as well', () => {
    const expected = parsed('symbol=GOLD\naction=sell\ncontracts=2\nid=sep');
    for (const body of ['symbol=GOLD&action=sell&contracts=2&id=sep', 'symbol=GOLD; action=sell; contracts=2; id=sep', 'symbol=GOLD,action=sell,contracts=2,id=sep', 'symbol=GOLD action=sell\tcontracts=2 id=sep', 'symbol=GOLD\r\naction=sell\r\ncontracts=2\r\nid=sep\r\n']) {
      assert.deepEqual(parsed(body), expected, body);
    }
  });

  test('a stop or take-profit kind is named with a dot or as one word; a bare value is a distance', () => {
    assert.deepEqual(parsed('epic=GOLD side=buy size=1 id=a sl.level=1990 tp_amount=50').stop, { level: '1990' });
    assert.deepEqual(parsed('epic=GOLD side=buy size=1 id=a sl.level=1990 tp_amount=50').profit, { amount: '50' });
    assert.deepEqual(parsed('epic=GOLD side=buy size=1 id=a stopLoss=12.5').stop, { distance: '12.5' });
    assert.deepEqual(parsed('epic=GOLD side=buy size=1 id=a takeProfit.price=2100').profit, { level: '2100' });
  });

  test('a token that is not key=value is a syntax problem naming it; the rest is still read', () => {
    assert.deepEqual(problems('epic=GOLD side=buy size=1,5 id=a'), [
      { field: 'body', rule: 'syntax', reason: "'5' is not key=value (pairs are separated by newlines, &, ;, commas or spaces, so a value cannot hold them: send JSON for that)" },
    ]);
    assert.deepEqual(rules('epic=GOLD side=buy size=1 id=a=b'), ['body:syntax', 'idempotencyKey:idempotency-key-or-alert-time']);
  });

  test('symbols map exactly, case-insensitively or after an exchange prefix; an epic passes through upper-cased', () => {
    assert.equal(parsed('ticker=OANDA:XAUUSD side=buy size=1 id=a').epic, 'GOLD');
    assert.equal(parsed('ticker=xauusd side=buy size=1 id=a').epic, 'GOLD');
    assert.equal(parsed({ ...MINIMAL, instrument: 'NAS100USD' }).epic, 'US100');
    assert.deepEqual(rules({ ...MINIMAL, instrument: 'US TECH 100' }), ['instrument:text']);
    assert.equal(parsed('ticker=silver side=buy size=1 id=a').epic, 'SILVER');
    assert.deepEqual(rules('ticker=NYSE:BRK/B side=buy size=1 id=a'), ['instrument:epic']);
  });
});

describe('every failing field is reported, not only the first', () => {
  test('a payload with many bad fields names each field and the rule it broke', () => {
    const body = JSON.stringify({
      ticker: 'GOLD',
      side: 'flat',
      qty: 'abc',
      type: 'MARKET',
      price: '2000',
      stopLoss: { distance: '5', level: '1990' },
      takeProfit: { level: '-3' },
      trailing: 'yes',
      guaranteed: 'maybe',
      goodTill: '2025-03-05T09:00:00Z',
      alertTime: '1741168800',
      colour: 'red',
    });
    assert.deepEqual(rules(body), [
      'colour:unknown-field',
      'direction:one-of',
      'size:decimal',
      'level:level-for-limit-and-stop',
      'stop:one-stop-kind',
      'profit.level:positive',
      'guaranteedStop:boolean',
      'goodTill:good-till-for-working-orders',
      'goodTill:good-till-in-future',
      'alertTime:time',
    ]);
  });

  test('a problem names the alias the field was sent as', () => {
    const [problem] = problems({ ...MINIMAL, size: undefined, qty: 'lots' });
    assert.deepEqual(problem, { field: 'size', rule: 'decimal', reason: `expected a decimal such as "0.5", got 'lots' (sent as 'qty')` });
  });

  test('missing required fields are each reported', () => {
    assert.deepEqual(rules({ idempotencyKey: 'k' }), ['instrument:required', 'direction:required', 'size:required']);
  });

  test('a rule between fields is skipped when one of its fields already failed', () => {
    assert.deepEqual(rules({ ...MINIMAL, orderType: 'iceberg', level: '2000' }), ['orderType:one-of']);
    assert.deepEqual(rules({ ...MINIMAL, trailingStop: true, stop: { distance: 'x' } }), ['stop.distance:decimal']);
  });
});

describe('rules between fields', () => {
  test('LIMIT and STOP need a level; MARKET takes none', () => {
    assert.deepEqual(rules({ ...MINIMAL, orderType: 'stop' }), ['level:level-for-limit-and-stop']);
    assert.deepEqual(rules({ ...MINIMAL, level: '2000' }), ['level:level-for-limit-and-stop']);
    assert.equal(parsed({ ...MINIMAL, orderType: 'STOP', level: '2000' }).level, '2000');
  });

  test('a trailing stop needs a stop distance and no guaranteed stop', () => {
    assert.deepEqual(rules({ ...MINIMAL, trailingStop: 'on' }), ['stop:trailing-needs-distance']);
    assert.deepEqual(rules({ ...MINIMAL, trailingStop: true, stop: { level: '1990' } }), ['stop:trailing-needs-distance']);
    assert.deepEqual(rules({ ...MINIMAL, trailingStop: true, guaranteedStop: true, stop: { distance: '10' } }), ['trailingStop:trailing-with-guaranteed']);
    assert.equal(parsed({ ...MINIMAL, trailingStop: 1, stop: { distance: '10' } }).trailingStop, true);
  });

  test('a guaranteed stop needs a stop', () => {
    assert.deepEqual(rules({ ...MINIMAL, guaranteedStop: 'yes' }), ['stop:guaranteed-needs-stop']);
    assert.equal(parsed({ ...MINIMAL, guaranteedStop: 'yes', stop: { amount: '50' } }).guaranteedStop, true);
  });

  test('good-till is for working orders only, strictly after receipt, and kept to whole seconds', () => {
    const limit = { ...MINIMAL, orderType: 'LIMIT', level: '1990' };
    assert.deepEqual(rules({ ...limit, goodTill: new Date(NOW_MS).toISOString() }), ['goodTill:good-till-in-future']);
    assert.equal(parsed({ ...limit, goodTill: new Date(NOW_MS + 1000).toISOString() }).goodTillMs, NOW_MS + 1000);
    assert.deepEqual(rules({ ...limit, goodTill: '2025-03-05T11:00:00.999+01:00' }), ['goodTill:good-till-in-future'], 'floored to 10:00:00Z, which is now');
    assert.equal(parsed({ ...limit, goodTill: '2025-03-06T10:00:00.999Z' }).goodTillMs, Date.UTC(2025, 2, 6, 10, 0, 0));
  });
});

describe('times', () => {
  test('ISO 8601 with a zone, or epoch milliseconds', () => {
    const expected = Date.UTC(2025, 2, 5, 9, 0, 0);
    for (const text of ['2025-03-05T09:00:00Z', '2025-03-05T09:00Z', '2025-03-05T10:00:00+01:00', '2025-03-05T04:00:00-0500', '2025-03-05 09:00:00.000z', String(expected)]) {
      assert.equal(parseZonedTime(text), expected, text);
    }
    assert.equal(parseZonedTime(expected), expected);
    assert.equal(parseZonedTime('2025-03-05T09:00:00.123456789Z'), expected + 123);
  });

  test('no zone, seconds since the epoch and impossible dates are refused', () => {
    for (const value of ['2025-03-05T09:00:00', '1741165200', 1741165200, '2025-02-30T09:00:00Z', '2025-03-05T24:00:00Z', '2025-03-05T09:00:00+19:00', 'yesterday']) {
      assert.equal(parseZonedTime(value), undefined, String(value));
    }
  });
});

describe('decimals', () => {
  test('zero, negative, exponent and over-long decimals are refused with their rule', () => {
    assert.deepEqual(rules({ ...MINIMAL, size: '0' }), ['size:positive']);
    assert.deepEqual(rules({ ...MINIMAL, size: '1e3' }), ['size:decimal']);
    assert.deepEqual(rules({ ...MINIMAL, size: '12,5' }), ['size:decimal']);
    assert.deepEqual(rules({ ...MINIMAL, size: `0.${'1'.repeat(40)}` }), ['size:decimal']);
    assert.deepEqual(rules({ ...MINIMAL, size: '1.00000000000000001' }), ['size:decimal'], 'a JSON number would change it');
  });
});

describe('the normalised intent schema', () => {
  test('accepts what the parser produces', () => {
    const intent = parsed({ ...MINIMAL, orderType: 'LIMIT', level: '1990', stopDistance: '10', takeProfit: { level: '2100' }, goodTill: '2025-03-06T00:00:00Z' });
    assert.deepEqual(tradeIntentSchema.parse(intent), intent);
  });

  test('refuses non-canonical decimals, two stop kinds, a level on a MARKET order and unknown fields', () => {
    const intent = parsed(MINIMAL);
    assert.equal(tradeIntentSchema.safeParse({ ...intent, size: '1.0' }).success, false);
    assert.equal(tradeIntentSchema.safeParse({ ...intent, stop: { distance: '5', level: '1990' } }).success, false);
    assert.equal(tradeIntentSchema.safeParse({ ...intent, stop: {} }).success, false);
    assert.equal(tradeIntentSchema.safeParse({ ...intent, level: '2000' }).success, false);
    assert.equal(tradeIntentSchema.safeParse({ ...intent, note: 'x' }).success, false);
  });

  test('a source that is not a source name is a programming error', () => {
    assert.throws(() => parseTradeIntent(MINIMAL, { ...OPTIONS, source: 'bad source' }), /not a source name/);
  });
});
