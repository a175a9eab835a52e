/**
 * What the schemas tolerate (unknown fields and enum values, renamed fields) and what they refuse
 * (garbage amounts, missing or mistyped fields, request bodies that break the documented rules),
 * and how a refusal names the endpoint and the exact field.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CapitalResponseError } from '../../../lib/capital/errors';
import {
  accountsResponseSchema,
  activityResponseSchema,
  clientMessageSchema,
  createPositionRequestSchema,
  createWatchlistRequestSchema,
  createWorkingOrderRequestSchema,
  ENDPOINTS,
  findEndpoint,
  isFinitePositive,
  marketDetailsSchema,
  parseResponse,
  parseServerFrame,
  positionsResponseSchema,
  streamingErrorCode,
  TRANSACTION_TYPES,
  LEGACY_TRANSACTION_TYPES,
  transactionsResponseSchema,
  updatePositionRequestSchema,
  updateWorkingOrderRequestSchema,
  type MarketDetails,
} from '../../../lib/capital/schemas';
import { canonical } from '../../../lib/money';

const TRANSACTIONS = 'GET /history/transactions';

function transactionRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    date: '2022-04-04T19:51:05.648',
    dateUtc: '2022-04-04T16:51:05.648',
    instrumentName: 'NATURALGAS',
    transactionType: 'TRADE',
    note: 'Trade closed',
    reference: '12345678',
    size: '-80.43',
    currency: 'USD',
    ...overrides,
  };
}

function activityRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    date: '2022-01-17T18:09:47.344',
    dateUTC: '2022-01-17T15:09:47.344',
    epic: 'OIL_CRUDE',
    dealId: '00018509-0001-54c4-0000-000080430164',
    source: 'USER',
    type: 'POSITION',
    status: 'ACCEPTED',
    ...overrides,
  };
}

function marketDetails(dealingRules: Record<string, unknown>, instrument: Record<string, unknown> = {}): unknown {
  const rule = (value: number) => ({ unit: 'PERCENTAGE', value });
  return {
    instrument: {
      epic: 'SILVER',
      expiry: '-',
      name: 'Silver',
      lotSize: 1,
      type: 'COMMODITIES',
      streamingPricesAvailable: true,
      currency: 'USD',
      marginFactor: 10,
      marginFactorUnit: 'PERCENTAGE',
      openingHours: { mon: ['00:00 - 22:00'], sat: [], zone: 'UTC' },
      ...instrument,
    },
    dealingRules: {
      minStepDistance: { unit: 'POINTS', value: 0.001 },
      minDealSize: { unit: 'POINTS', value: 0.1 },
      marketOrderPreference: 'AVAILABLE_DEFAULT_ON',
      trailingStopsPreference: 'NOT_AVAILABLE',
      ...Object.fromEntries(Object.entries(dealingRules).map(([name, value]) => [name, rule(value as number)])),
    },
    snapshot: {
      marketStatus: 'TRADEABLE',
      updateTime: '2022-04-06T13:17:42.113',
      delayTime: 0,
      bid: 24.203,
      offer: 24.223,
      decimalPlacesFactor: 3,
      scalingFactor: 1,
    },
  };
}

/** Runs `parse` and returns the CapitalResponseError it must throw. */
function responseError(parse: () => unknown): CapitalResponseError {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof CapitalResponseError, `expected CapitalResponseError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the body to be rejected');
}

function transactionsWithFourthRow(overrides: Record<string, unknown>): unknown {
  return { transactions: [transactionRow(), transactionRow(), transactionRow(), transactionRow(overrides)] };
}

describe('response schemas keep what they do not know', () => {
  test('unknown fields survive parsing at every level', () => {
    const body = { transactions: [transactionRow({ profitAndLoss: 'USD -1.00', extra: { nested: [1] } })], cursor: 'next' };
    const parsed = parseResponse(TRANSACTIONS, transactionsResponseSchema, body);
    assert.equal(parsed.cursor, 'next');
    assert.equal(parsed.transactions[0]?.profitAndLoss, 'USD -1.00');
    assert.deepEqual(parsed.transactions[0]?.extra, { nested: [1] });
  });

  test('an unknown transactionType such as MYSTERY_FEE is kept as it came', () => {
    const parsed = parseResponse(TRANSACTIONS, transactionsResponseSchema, {
      transactions: [transactionRow({ transactionType: 'MYSTERY_FEE', status: 'PENDING_REVIEW' })],
    });
    assert.equal(parsed.transactions[0]?.transactionType, 'MYSTERY_FEE');
    assert.equal(parsed.transactions[0]?.status, 'PENDING_REVIEW');
  });

  test('the documented transaction types are 26 current and 4 legacy ones', () => {
    assert.equal(TRANSACTION_TYPES.length, 26);
    assert.deepEqual([...LEGACY_TRANSACTION_TYPES], ['CONVERT', 'REIMBURSEMENT', 'DIVIDEND', 'ACCOUNT_CLOSURE']);
  });

  test('unknown activity source, status and type and an unknown market status are kept', () => {
    const activity = parseResponse('GET /history/activity', activityResponseSchema, {
      activities: [activityRow({ source: 'ROBOT', status: 'PARKED', type: 'DIVIDEND_ADJUSTMENT' })],
    });
    assert.deepEqual(
      [activity.activities[0]?.source, activity.activities[0]?.status, activity.activities[0]?.type],
      ['ROBOT', 'PARKED', 'DIVIDEND_ADJUSTMENT'],
    );
    const details = marketDetails({}) as { snapshot: Record<string, unknown> };
    details.snapshot.marketStatus = 'HALTED_FOR_LUNCH';
    assert.equal(parseResponse('GET /markets/:epic', marketDetailsSchema, details).snapshot.marketStatus, 'HALTED_FOR_LUNCH');
  });

  test('a position with stop, target and trailing fields keeps them as exact decimals', () => {
    const body = {
      positions: [
        {
          position: {
            contractSize: 1,
            createdDate: '2022-04-05T12:46:01.872',
            createdDateUTC: '2022-04-05T09:46:01.872',
            dealId: 'd1',
            dealReference: 'p_d1',
            workingOrderId: 'w1',
            size: 0.5,
            leverage: 20,
            upl: '-0.05',
            direction: 'BUY',
            level: 2.764,
            currency: 'USD',
            guaranteedStop: false,
            stopLevel: 2.5,
            profitLevel: '3.1',
            trailingStop: true,
            stopDistance: 0.2,
          },
          market: {
            instrumentName: 'Natural Gas',
            expiry: '-',
            marketStatus: 'CLOSED',
            epic: 'NATURALGAS',
            instrumentType: 'COMMODITIES',
            lotSize: 1,
            bid: 2.759,
            offer: 2.764,
            updateTime: '2022-04-05T17:41:38.492',
            updateTimeUTC: '2022-04-05T14:41:38.492',
            delayTime: 0,
            streamingPricesAvailable: true,
            scalingFactor: 1,
          },
        },
      ],
    };
    const [entry] = parseResponse('GET /positions', positionsResponseSchema, body).positions;
    assert.equal(canonical(entry!.position.stopLevel!), '2.5');
    assert.equal(canonical(entry!.position.profitLevel!), '3.1');
    assert.equal(canonical(entry!.position.stopDistance!), '0.2');
    assert.equal(entry!.market.high, undefined);
  });
});

describe('renamed fields: either spelling in, one name out', () => {
  test('activity rows with dateUTC or dateUtc both come out as dateUtc only', () => {
    const parsed = parseResponse('GET /history/activity', activityResponseSchema, {
      activities: [activityRow(), activityRow({ dateUTC: undefined, dateUtc: '2022-01-17T15:10:00.000' })],
    });
    assert.deepEqual(
      parsed.activities.map((a) => a.dateUtc),
      ['2022-01-17T15:09:47.344', '2022-01-17T15:10:00.000'],
    );
    assert.ok(parsed.activities.every((a) => !Object.hasOwn(a, 'dateUTC')));
  });

  test('transactions with dateUTC come out as dateUtc', () => {
    const parsed = parseResponse(TRANSACTIONS, transactionsResponseSchema, {
      transactions: [transactionRow({ dateUtc: undefined, dateUTC: '2022-04-04T16:51:05.648' })],
    });
    assert.equal(parsed.transactions[0]?.dateUtc, '2022-04-04T16:51:05.648');
    assert.equal(Object.hasOwn(parsed.transactions[0]!, 'dateUTC'), false);
  });

  test('a row with neither spelling is refused at dateUtc', () => {
    const error = responseError(() =>
      parseResponse(TRANSACTIONS, transactionsResponseSchema, transactionsWithFourthRow({ dateUtc: undefined })),
    );
    assert.equal(error.field, 'transactions.3.dateUtc');
  });

  test('2023 dealing-rule names are output under the current names', () => {
    const parsed = parseResponse(
      'GET /markets/:epic',
      marketDetailsSchema,
      marketDetails(
        { minControlledRiskStopDistance: 2, minNormalStopOrLimitDistance: 0.01, maxStopOrLimitDistance: 60 },
        { controlledRiskAllowed: true },
      ),
    );
    assertCurrentRuleNames(parsed, ['2', '0.01', '60']);
    assert.equal(parsed.instrument.guaranteedStopAllowed, true);
    assert.equal(Object.hasOwn(parsed.instrument, 'controlledRiskAllowed'), false);
  });

  test('current dealing-rule names parse as they are, and win when both spellings are sent', () => {
    const current = parseResponse(
      'GET /markets/:epic',
      marketDetailsSchema,
      marketDetails(
        { minGuaranteedStopDistance: 3, minStopOrProfitDistance: 0.5, maxStopOrProfitDistance: 50, maxStopOrLimitDistance: 99 },
        { guaranteedStopAllowed: false, controlledRiskAllowed: true },
      ),
    );
    assertCurrentRuleNames(current, ['3', '0.5', '50']);
    assert.equal(current.instrument.guaranteedStopAllowed, false);
  });

  test('opening hours may be the weekly object or the single 2022 string', () => {
    const weekly = parseResponse('GET /markets/:epic', marketDetailsSchema, marketDetails({}));
    assert.deepEqual(weekly.instrument.openingHours, { mon: ['00:00 - 22:00'], sat: [], zone: 'UTC' });
    const text = parseResponse('GET /markets/:epic', marketDetailsSchema, marketDetails({}, { openingHours: '00:00-22:00 UTC' }));
    assert.equal(text.instrument.openingHours, '00:00-22:00 UTC');
    const error = responseError(() => parseResponse('GET /markets/:epic', marketDetailsSchema, marketDetails({}, { openingHours: 7 })));
    assert.equal(error.field, 'instrument.openingHours');
  });

  test('/markets accepts the search shape and the epics shape, but not neither', () => {
    const schema = ENDPOINTS.markets.response;
    assert.deepEqual(parseResponse('GET /markets', schema, { markets: [] }).markets, []);
    assert.equal(parseResponse('GET /markets', schema, { marketDetails: [marketDetails({})] }).marketDetails?.length, 1);
    assert.equal(responseError(() => parseResponse('GET /markets', schema, { nodes: [] })).field, 'markets');
  });
});

function assertCurrentRuleNames(parsed: MarketDetails, values: [string, string, string]): void {
  const rules = parsed.dealingRules;
  assert.deepEqual(
    [rules.minGuaranteedStopDistance, rules.minStopOrProfitDistance, rules.maxStopOrProfitDistance].map((rule) => canonical(rule!.value)),
    values,
  );
  for (const legacy of ['minControlledRiskStopDistance', 'minNormalStopOrLimitDistance', 'maxStopOrLimitDistance']) {
    assert.equal(Object.hasOwn(rules, legacy), false, `${legacy} should be renamed`);
  }
}

describe('garbage is refused with the endpoint and the exact field', () => {
  for (const [label, size] of [
    ['a decimal comma', '12,5'],
    ['letters', 'abc'],
    ['null', null],
    ['an empty string', ''],
    ['an object', { amount: 1 }],
  ] as const) {
    test(`a transaction size of ${label} fails at transactions.3.size`, () => {
      const error = responseError(() => parseResponse(TRANSACTIONS, transactionsResponseSchema, transactionsWithFourthRow({ size })));
      assert.equal(error.endpoint, TRANSACTIONS);
      assert.equal(error.field, 'transactions.3.size');
      assert.match(error.message, /GET \/history\/transactions.*transactions\.3\.size/);
    });
  }

  test('the problem names the bad text but never echoes the rest of the body', () => {
    const error = responseError(() =>
      parseResponse(TRANSACTIONS, transactionsResponseSchema, transactionsWithFourthRow({ size: '12,5', note: 'SECRET-LOOKING-NOTE' })),
    );
    assert.match(error.problem, /12,5/);
    assert.doesNotMatch(error.message, /SECRET-LOOKING-NOTE/);
    const nullError = responseError(() => parseResponse(TRANSACTIONS, transactionsResponseSchema, transactionsWithFourthRow({ size: null })));
    assert.match(nullError.problem, /expected a decimal.*got null/);
  });

  test('a null balance where an amount is required names accounts.0.balance.available', () => {
    const body = {
      accounts: [
        {
          accountId: '1',
          accountName: 'USD',
          status: 'ENABLED',
          accountType: 'CFD',
          preferred: true,
          balance: { balance: 1, deposit: 1, profitLoss: 0, available: null },
          currency: 'USD',
        },
      ],
    };
    const error = responseError(() => parseResponse('GET /accounts', accountsResponseSchema, body));
    assert.equal(error.field, 'accounts.0.balance.available');
  });

  test('a missing required field is named', () => {
    const error = responseError(() => parseResponse(TRANSACTIONS, transactionsResponseSchema, transactionsWithFourthRow({ reference: undefined })));
    assert.equal(error.field, 'transactions.3.reference');
  });

  test('a wrong type is named', () => {
    const error = responseError(() =>
      parseResponse('GET /history/activity', activityResponseSchema, { activities: [activityRow(), activityRow({ dealId: 42 })] }),
    );
    assert.equal(error.field, 'activities.1.dealId');
    assert.match(error.problem, /expected string/);
  });

  test('a zoned or malformed timestamp is refused', () => {
    for (const date of ['2022-04-04T19:51:05.648Z', '2022-04-04 19:51:05', '2022-13-04T19:51:05']) {
      const error = responseError(() => parseResponse(TRANSACTIONS, transactionsResponseSchema, transactionsWithFourthRow({ date })));
      assert.equal(error.field, 'transactions.3.date', date);
    }
  });

  test('a body that is not an object is reported against the whole body', () => {
    const error = responseError(() => parseResponse(TRANSACTIONS, transactionsResponseSchema, 'Bad Gateway'));
    assert.equal(error.field, '');
  });

  test('a malformed streaming quote names its field', () => {
    const frame = { status: 'OK', destination: 'quote', payload: { epic: 'X', product: 'CFD', bid: 'n/a', bidQty: 1, ofr: 1, ofrQty: 1, timestamp: 1 } };
    const error = responseError(() => parseServerFrame(frame));
    assert.equal(error.endpoint, 'WebSocket quote');
    assert.equal(error.field, 'payload.bid');
  });
});

describe('request bodies follow the documented rules', () => {
  const position = { direction: 'BUY', epic: 'SILVER', size: 1 };
  const order = { ...position, level: 20, type: 'LIMIT' };

  function firstIssue(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) {
    assert.equal(result.success, false);
    return result.error!.issues[0]!;
  }

  test('a guaranteed stop with a trailing stop is rejected', () => {
    const issue = firstIssue(
      createPositionRequestSchema.safeParse({ ...position, guaranteedStop: true, trailingStop: true, stopDistance: 3 }),
    );
    assert.deepEqual(issue.path, ['trailingStop']);
  });

  test('a trailing stop without stopDistance is rejected', () => {
    const issue = firstIssue(createPositionRequestSchema.safeParse({ ...position, trailingStop: true, stopLevel: 20 }));
    assert.deepEqual(issue.path, ['stopDistance']);
    assert.equal(createPositionRequestSchema.safeParse({ ...position, trailingStop: true, stopDistance: 2 }).success, true);
  });

  test('a guaranteed stop needs a stop', () => {
    const issue = firstIssue(createPositionRequestSchema.safeParse({ ...position, guaranteedStop: true, profitLevel: 27 }));
    assert.deepEqual(issue.path, ['guaranteedStop']);
    assert.equal(createPositionRequestSchema.safeParse({ ...position, guaranteedStop: true, stopAmount: 5 }).success, true);
  });

  test('sizes and levels must be finite and positive; unknown fields are typos', () => {
    assert.deepEqual(firstIssue(createPositionRequestSchema.safeParse({ ...position, size: -1 })).path, ['size']);
    assert.deepEqual(firstIssue(createPositionRequestSchema.safeParse({ ...position, size: '1' })).path, ['size']);
    assert.equal(createPositionRequestSchema.safeParse({ ...position, stoplevel: 20 }).success, false);
    assert.equal(createPositionRequestSchema.safeParse({ ...position, direction: 'HOLD' }).success, false);
    assert.deepEqual(
      [1, 0.001, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1'].map(isFinitePositive),
      [true, true, false, false, false, false, false],
    );
  });

  test('updating a position: null clears a leg, the rules still hold, an empty update is refused', () => {
    assert.equal(updatePositionRequestSchema.safeParse({ stopLevel: null, profitLevel: null }).success, true);
    assert.equal(updatePositionRequestSchema.safeParse({ trailingStop: false, stopDistance: null }).success, true);
    assert.equal(updatePositionRequestSchema.safeParse({ trailingStop: true, stopDistance: null }).success, false);
    assert.equal(updatePositionRequestSchema.safeParse({}).success, false);
  });

  test('goodTillDate is UTC without zone: a trailing Z is rejected', () => {
    const issue = firstIssue(createWorkingOrderRequestSchema.safeParse({ ...order, goodTillDate: '2030-06-09T01:01:00Z' }));
    assert.deepEqual(issue.path, ['goodTillDate']);
    assert.equal(createWorkingOrderRequestSchema.safeParse({ ...order, goodTillDate: '2030-06-09T01:01:00.000' }).success, false);
    assert.equal(createWorkingOrderRequestSchema.safeParse({ ...order, goodTillDate: '2030-06-09T01:01:00' }).success, true);
    assert.equal(createWorkingOrderRequestSchema.safeParse({ ...order, type: 'MARKET' }).success, false);
    assert.equal(updateWorkingOrderRequestSchema.safeParse({ goodTillDate: '2030-06-09T01:01:00+02:00' }).success, false);
  });

  test('working orders follow the same stop rules', () => {
    const issue = firstIssue(createWorkingOrderRequestSchema.safeParse({ ...order, guaranteedStop: true, trailingStop: true, stopDistance: 1 }));
    assert.deepEqual(issue.path, ['trailingStop']);
  });

  test('a watchlist name of 21 characters is rejected, 20 are fine', () => {
    assert.deepEqual(firstIssue(createWatchlistRequestSchema.safeParse({ name: 'x'.repeat(21) })).path, ['name']);
    assert.equal(createWatchlistRequestSchema.safeParse({ name: 'x'.repeat(20), epics: ['SILVER'] }).success, true);
    assert.equal(createWatchlistRequestSchema.safeParse({ name: '' }).success, false);
  });
});

describe('streaming messages', () => {
  const envelope = { correlationId: 7, cst: 'c', securityToken: 's' };

  test('the error code is read from the top level or from the payload', () => {
    assert.equal(streamingErrorCode({ status: 'ERROR', errorCode: 'error.invalid.session.token' }), 'error.invalid.session.token');
    assert.equal(streamingErrorCode({ status: 'ERROR', payload: { errorCode: 'error.too-many.epics' } }), 'error.too-many.epics');
    assert.equal(streamingErrorCode({ status: 'OK', payload: {} }), undefined);
    assert.equal(streamingErrorCode('ERROR'), undefined);
    const parsed = parseServerFrame({ status: 'ERROR', destination: 'OHLCMarketData.subscribe', errorCode: 'error.x' });
    assert.equal(parsed.kind, 'error');
  });

  test('subscriptions are capped at 40 epics and correlationId may be a number', () => {
    const epics = (count: number) => Array.from({ length: count }, (_, i) => `EPIC${i}`);
    assert.equal(clientMessageSchema.safeParse({ ...envelope, destination: 'marketData.subscribe', payload: { epics: epics(40) } }).success, true);
    assert.equal(clientMessageSchema.safeParse({ ...envelope, destination: 'marketData.subscribe', payload: { epics: epics(41) } }).success, false);
  });

  test('OHLC unsubscribe takes plural types; subscribe takes a single type', () => {
    const unsubscribe = { ...envelope, destination: 'OHLCMarketData.unsubscribe' };
    assert.equal(clientMessageSchema.safeParse({ ...unsubscribe, payload: { epics: ['A'], types: ['classic'] } }).success, true);
    assert.equal(clientMessageSchema.safeParse({ ...unsubscribe, payload: { epics: ['A'], type: 'classic' } }).success, false);
    const subscribe = { ...envelope, destination: 'OHLCMarketData.subscribe' };
    assert.equal(clientMessageSchema.safeParse({ ...subscribe, payload: { epics: ['A'], resolutions: ['HOUR_4'], type: 'heikin-ashi' } }).success, true);
    assert.equal(clientMessageSchema.safeParse({ ...subscribe, payload: { epics: ['A'], resolutions: ['MINUTE_10'] } }).success, false);
  });
});

describe('endpoint catalogue', () => {
  test('a concrete path finds its entry and its parameters', () => {
    const match = findEndpoint('GET', '/positions/abc');
    assert.equal(match?.name, 'position');
    assert.equal(match?.response, ENDPOINTS.position.response);
    assert.deepEqual(match?.params, { dealId: 'abc' });
    assert.deepEqual(findEndpoint('delete', '/watchlists/12/GOLD%20SPOT')?.params, { watchlistId: '12', epic: 'GOLD SPOT' });
  });

  test('literal paths win, full URLs and queries are accepted, unknown calls are undefined', () => {
    assert.equal(findEndpoint('GET', '/session/encryptionKey')?.name, 'encryptionKey');
    assert.equal(findEndpoint('GET', 'https://demo-api-capital.backend-capital.com/api/v1/history/transactions?lastPeriod=600')?.name, 'transactions');
    assert.equal(findEndpoint('GET', '/clientsentiment/?marketIds=SILVER')?.name, 'clientSentiments');
    assert.equal(findEndpoint('POST', '/accounts/topUp')?.name, 'topUp');
    assert.equal(findEndpoint('PATCH', '/positions/abc'), undefined);
    assert.equal(findEndpoint('GET', '/positions/abc/extra'), undefined);
  });
});
