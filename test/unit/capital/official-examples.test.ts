/**
 * Every official example (examples/INDEX.md) must parse with the catalogue's schema for its
 * method and path: 2xx bodies with the endpoint's response schema, errors with `errorBodySchema`,
 * newest-docs bodies with their endpoint's schema, and every WebSocket frame with the streaming
 * schemas. One test per file or frame, so a failure names it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import {
  apiPathOf,
  clientMessageSchema,
  ENDPOINTS,
  errorBodySchema,
  findEndpoint,
  parseResponse,
  parseServerFrame,
  streamingErrorCode,
  type AccountsResponse,
  type ActivityResponse,
  type ClientSentimentsResponse,
  type ConfirmResponse,
  type CreateSessionResponse,
  type EndpointName,
  type MarketDetails,
  type MarketsResponse,
  type PositionsResponse,
  type PricesResponse,
  type TransactionsResponse,
  type WorkingOrdersResponse,
} from '../../../lib/capital/schemas';
import { canonical, Decimal, sum } from '../../../lib/money';
import { OFFICIAL_EXAMPLES_DIR } from '../../helpers/official-examples';

const EXAMPLES_DIR = OFFICIAL_EXAMPLES_DIR;
const WEBSOCKET_FILE = 'websocket-frames.json';
const NEWEST_DOCS_PREFIX = 'newest-docs-';

/** The example files' own layout (not an API shape). */
const exchangeSchema = z.object({
  request: z.object({ method: z.string(), url: z.string(), body: z.unknown() }),
  response: z.object({ status: z.number(), headers: z.record(z.string(), z.string()), body: z.unknown() }),
});

/** Which endpoint each newest-docs body belongs to: its file name says so only in prose. */
const NEWEST_DOCS_ENDPOINTS: Record<string, EndpointName> = {
  'newest-docs-session-create.json': 'createSession',
  'newest-docs-history-transactions.json': 'transactions',
  'newest-docs-positions.json': 'positions',
  'newest-docs-workingorders.json': 'workingOrders',
};

/** Meaningful values to check after parsing, keyed by file. */
const VALUE_CHECKS: Record<string, (parsed: unknown) => void> = {
  'get-account-transactions-history-success-get-list-of-transactions-within-last-hour.json': (parsed) => {
    const { transactions } = parsed as TransactionsResponse;
    assert.ok(transactions[0]?.size instanceof Decimal);
    assert.deepEqual(
      transactions.map((t) => canonical(t.size)),
      ['1.05', '416'],
    );
    assert.equal(transactions[0]?.dateUtc, '2022-04-04T16:51:05.648');
    assert.equal(transactions[0]?.transactionType, 'TRADE');
  },
  'get-account-transactions-history-success-filter-list-within-last-30-second-by-type.json': (parsed) => {
    const [deposit] = (parsed as TransactionsResponse).transactions;
    assert.equal(canonical(deposit!.size), '20');
    assert.equal(deposit!.instrumentName, undefined, 'DEPOSIT rows have no instrumentName');
  },
  'get-account-activity-history-success-filter-list-by-date.json': (parsed) => {
    const { activities } = parsed as ActivityResponse;
    assert.equal(activities.length, 3);
    for (const activity of activities) {
      assert.equal(activity.dateUtc, '2022-01-17T15:09:47.344');
      assert.equal(Object.hasOwn(activity, 'dateUTC'), false, 'only the normalised spelling is output');
    }
  },
  'get-account-activity-history-success-filter-list-by-dealid-with-enabled-detailed-view.json': (parsed) => {
    const [editRow, closeRow] = (parsed as ActivityResponse).activities;
    assert.equal(editRow?.type, 'EDIT_STOP_AND_LIMIT');
    assert.equal(canonical(editRow!.details!.size!), '0');
    assert.equal(closeRow?.source, 'CLOSE_OUT');
    assert.equal(canonical(closeRow!.details!.level!), '75.2');
    assert.equal(closeRow?.dateUtc, '2022-01-03T15:01:48.420');
  },
  'get-all-accounts-successfull-response.json': (parsed) => {
    const [first] = (parsed as AccountsResponse).accounts;
    assert.equal(canonical(first!.balance.balance), '124.95');
    assert.equal(canonical(first!.balance.profitLoss), '-0.23');
    // The inferred identity balance = deposit + profitLoss holds exactly in decimals.
    assert.ok(first!.balance.deposit.plus(first!.balance.profitLoss).equals(first!.balance.balance));
  },
  'get-all-positions-successful-response.json': (parsed) => {
    const [gas] = (parsed as PositionsResponse).positions;
    assert.equal(canonical(gas!.position.size), '10');
    assert.equal(canonical(gas!.position.level), '2.764');
    assert.equal(canonical(gas!.position.upl), '-0.05');
    assert.equal(gas!.position.stopLevel, undefined);
    assert.equal(canonical(gas!.market.offer), '2.764');
  },
  'get-all-working-orders-successful-response.json': (parsed) => {
    const [gtd, gtc] = (parsed as WorkingOrdersResponse).workingOrders;
    assert.equal(canonical(gtd!.workingOrderData.stopDistance!), '-3');
    assert.equal(gtd!.workingOrderData.goodTillDateUTC, '2022-06-09T01:01:00.000');
    assert.equal(gtc!.workingOrderData.goodTillDate, undefined);
  },
  'get-position-order-confirmation-successful-response.json': (parsed) => {
    const confirm = parsed as ConfirmResponse;
    assert.equal(confirm.dealStatus, 'ACCEPTED');
    assert.equal(confirm.affectedDeals?.[0]?.dealId, '006011e7-0001-54c4-0000-000080560045');
    assert.equal(canonical(confirm.level!), '24.285');
  },
  'get-single-market-details-successful-response.json': (parsed) => {
    const { instrument, dealingRules } = parsed as MarketDetails;
    assert.equal(instrument.guaranteedStopAllowed, true);
    assert.equal(Object.hasOwn(instrument, 'controlledRiskAllowed'), false);
    assert.equal(canonical(dealingRules.minGuaranteedStopDistance!.value), '2');
    assert.equal(canonical(dealingRules.minStopOrProfitDistance!.value), '0.01');
    assert.equal(canonical(dealingRules.maxStopOrProfitDistance!.value), '60');
    for (const legacy of ['minControlledRiskStopDistance', 'minNormalStopOrLimitDistance', 'maxStopOrLimitDistance']) {
      assert.equal(Object.hasOwn(dealingRules, legacy), false, `${legacy} is output under its new name`);
    }
    assert.equal(typeof instrument.openingHours === 'object' && instrument.openingHours.zone, 'UTC');
  },
  'get-markets-details-successful-response-epics.json': (parsed) => {
    const { marketDetails } = parsed as MarketsResponse;
    assert.deepEqual(
      marketDetails?.map((m) => m.instrument.epic),
      ['SILVER', 'NATURALGAS'],
    );
  },
  'get-markets-details-successful-response-searchterm.json': (parsed) => {
    const closed = (parsed as MarketsResponse).markets?.find((m) => m.epic === 'SI');
    assert.equal(closed?.marketStatus, 'CLOSED');
    assert.equal(closed?.high, undefined, 'closed markets may lack high/low/netChange');
  },
  'get-historical-prices-success-default-response.json': (parsed) => {
    const { prices } = parsed as PricesResponse;
    assert.equal(prices.length, 10);
    assert.equal(canonical(prices[0]!.closePrice.ask), '24.398');
  },
  'get-client-sentiment-for-markets-successful-response.json': (parsed) => {
    for (const sentiment of (parsed as ClientSentimentsResponse).clientSentiments) {
      assert.equal(canonical(sum([sentiment.longPositionPercentage, sentiment.shortPositionPercentage])), '100');
    }
  },
  'newest-docs-history-transactions.json': (parsed) => {
    assert.deepEqual(
      (parsed as TransactionsResponse).transactions.map((t) => t.status),
      ['PROCESSED', 'PROCESSED'],
    );
  },
  'newest-docs-session-create.json': (parsed) => {
    const session = parsed as CreateSessionResponse;
    assert.equal(session.accounts[1]?.symbol, '€');
    assert.equal(canonical(session.accounts[1]!.balance!.available), '0');
    assert.equal(canonical(session.accountInfo.available), '64.66');
  },
};

const exampleFiles = readdirSync(EXAMPLES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();

function readExample(file: string): unknown {
  return JSON.parse(readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
}

/** `_direction` and `_note` annotate the frames file; they are not API fields. */
function withoutAnnotations(frame: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(frame).filter(([key]) => !key.startsWith('_')));
}

const exercised = new Set<EndpointName>();

describe('official examples parse with the catalogue schemas', () => {
  test('the examples folder is there and holds the expected kinds of file', () => {
    assert.ok(exampleFiles.length >= 70, `only ${exampleFiles.length} example files in ${EXAMPLES_DIR}`);
    assert.ok(exampleFiles.includes(WEBSOCKET_FILE));
    for (const file of exampleFiles.filter((f) => f.startsWith(NEWEST_DOCS_PREFIX))) {
      assert.ok(NEWEST_DOCS_ENDPOINTS[file], `${file}: add it to NEWEST_DOCS_ENDPOINTS`);
    }
  });

  for (const file of exampleFiles.filter((f) => f !== WEBSOCKET_FILE && !f.startsWith(NEWEST_DOCS_PREFIX))) {
    test(file, () => {
      const { request, response } = exchangeSchema.parse(readExample(file));
      // `{{url}}` is the Postman variable for `https://…/api/v1`.
      const apiPath = apiPathOf(request.url.replace('{{url}}', ''));
      const endpoint = findEndpoint(request.method, apiPath);
      assert.ok(endpoint, `no catalogue entry for ${request.method} ${apiPath}`);
      const label = `${endpoint.method} ${endpoint.path}`;

      if (response.status >= 200 && response.status < 300) {
        exercised.add(endpoint.name);
        const parsed = parseResponse(label, endpoint.response, response.body);
        VALUE_CHECKS[file]?.(parsed);
        if (endpoint.request && request.body !== null) {
          const body = endpoint.request.safeParse(request.body);
          assert.ok(body.success, `request body of ${file} rejected: ${body.error?.issues[0]?.message}`);
        }
      } else {
        const error = parseResponse(label, errorBodySchema, response.body);
        assert.match(error.errorCode, /^error\./);
      }
    });
  }

  for (const [file, name] of Object.entries(NEWEST_DOCS_ENDPOINTS)) {
    test(file, () => {
      const endpoint = ENDPOINTS[name];
      const parsed = parseResponse(`${endpoint.method} ${endpoint.path}`, endpoint.response, readExample(file));
      VALUE_CHECKS[file]?.(parsed);
    });
  }

  test('every endpoint except the undocumented-by-example topUp has a 2xx example', () => {
    const missing = (Object.keys(ENDPOINTS) as EndpointName[]).filter((name) => !exercised.has(name) && name !== 'topUp');
    assert.deepEqual(missing, []);
  });

  test('the oversized watchlist name of the official error example is rejected by the request schema', () => {
    const { request } = exchangeSchema.parse(readExample('post-create-watchlist-error-incorrect-name-length.json'));
    assert.equal(ENDPOINTS.createWatchlist.request.safeParse(request.body).success, false);
  });
});

describe(`official WebSocket frames (${WEBSOCKET_FILE})`, () => {
  const frames = z.array(z.record(z.string(), z.unknown())).parse(readExample(WEBSOCKET_FILE));

  for (const [index, annotated] of frames.entries()) {
    const direction = String(annotated._direction);
    test(`frame ${index}: ${direction} ${String(annotated.destination)}`, () => {
      const frame = withoutAnnotations(annotated);
      if (direction === 'client->server') {
        const message = clientMessageSchema.parse(frame);
        assert.equal(message.destination, frame.destination);
        return;
      }
      assert.equal(direction, 'server->client');
      const parsed = parseServerFrame(frame);
      switch (parsed.kind) {
        case 'quote':
          assert.equal(canonical(parsed.frame.payload.bid), '93.87');
          assert.equal(canonical(parsed.frame.payload.ofr), '93.9');
          assert.equal(parsed.frame.payload.timestamp, 1660297190627);
          break;
        case 'ohlc':
          assert.equal(parsed.frame.payload.resolution, 'MINUTE_5');
          assert.equal(canonical(parsed.frame.payload.o), '134.86');
          assert.equal(parsed.frame.payload.t, 1671714000000);
          break;
        case 'subscriptionAck':
          assert.ok(Object.values(parsed.frame.payload.subscriptions).every((state) => state === 'PROCESSED'));
          break;
        case 'pingReply':
          assert.equal(parsed.frame.correlationId, '5');
          break;
        case 'error':
          assert.equal(streamingErrorCode(parsed.frame), 'error.invalid.session.token');
          break;
      }
    });
  }

  test('every kind of server frame appears in the official file', () => {
    const kinds = new Set(
      frames.filter((f) => f._direction === 'server->client').map((f) => parseServerFrame(withoutAnnotations(f)).kind),
    );
    assert.deepEqual([...kinds].sort(), ['error', 'ohlc', 'pingReply', 'quote', 'subscriptionAck']);
  });
});
