import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeExposureSnapshot, ExposureFxRateError, ExposureInputError, type ExposurePositionInput, type ExposureSnapshotInput } from '../../../lib/trading/exposure';

const held = (dealId: string, epic: string, currency: string, direction: string, size: string, price: string, upl: string): ExposurePositionInput => ({
  position: { dealId, direction, size, contractSize: '1', upl, currency, leverage: 10 },
  market: { epic, instrumentType: 'INDICES', bid: price, offer: price, lotSize: '1' },
});

/** A GBP account: US500 in USD (rate 0.8 given), DE40 and FR40 in EUR, OMXS30 in SEK. */
const account = (fxRates: Record<string, string>, overrides: Partial<ExposureSnapshotInput> = {}): ExposureSnapshotInput => ({
  accountId: 'ACC-FX',
  accountCurrency: 'GBP',
  equity: '20000',
  atMs: Date.UTC(2025, 1, 3),
  positions: [
    held('D-US', 'US500', 'USD', 'BUY', '1', '5000', '10'),
    held('D-DE', 'DE40', 'EUR', 'SELL', '1', '18000', '-5'),
    held('D-FR', 'FR40', 'EUR', 'BUY', '1', '7500', '2'),
    held('D-SE', 'OMXS30', 'SEK', 'BUY', '1', '2400', '1'),
  ],
  instruments: {},
  fxRates,
  ...overrides,
});

describe('a currency without an FX rate is never converted at 1', () => {
  test('by default the snapshot is refused, naming each missing currency and its positions', () => {
    assert.throws(
      () => computeExposureSnapshot(account({ USD: '0.8' })),
      (error: unknown) => {
        assert.ok(error instanceof ExposureFxRateError);
        assert.ok(error instanceof ExposureInputError, 'callers catching bad input catch this too');
        assert.deepEqual(error.missing, [
          { currency: 'EUR', dealIds: ['D-DE', 'D-FR'] },
          { currency: 'SEK', dealIds: ['D-SE'] },
        ]);
        assert.match(error.message, /no FX rate into GBP for EUR \(positions D-DE, D-FR\); SEK \(positions D-SE\)/);
        return true;
      },
    );
  });

  test("with onMissingFxRate 'unconverted' the positions are kept, marked, and left out of every money sum", () => {
    const snapshot = computeExposureSnapshot(account({ USD: '0.8', EUR: '0.85' }, { onMissingFxRate: 'unconverted' }));
    assert.equal(snapshot.complete, false);
    assert.deepEqual(snapshot.unconverted, [{ dealId: 'D-SE', epic: 'OMXS30', currency: 'SEK' }]);
    const sek = snapshot.positions.find((position) => position.dealId === 'D-SE');
    assert.deepEqual([sek?.fxRate, sek?.notional, sek?.margin, sek?.notionalInInstrumentCurrency], [null, null, null, '2400']);
    // 4000 (US500) + 15300 (DE40) + 6375 (FR40); the SEK position is counted but not summed.
    assert.equal(snapshot.totals.grossExposure, '25675');
    assert.equal(snapshot.totals.positionCount, 4);
    assert.equal(snapshot.totals.unconvertedCount, 1);
    assert.equal(snapshot.totals.unrealisedPnl, '8', 'upl is in the account currency already, so it is always summed');
    const sekBucket = snapshot.byCurrency.find((aggregate) => aggregate.key === 'SEK');
    assert.deepEqual([sekBucket?.grossExposure, sekBucket?.grossInCurrency, sekBucket?.unconvertedCount], ['0', '2400', 1]);
    const critical = snapshot.breaches.filter((breach) => breach.limit === 'fxRateAvailable');
    assert.deepEqual(
      critical.map(({ key, severity, value, threshold }) => ({ key, severity, value, threshold })),
      [{ key: 'SEK', severity: 'critical', value: null, threshold: null }],
    );
    assert.match(critical[0]?.message ?? '', /D-SE.*no FX rate into GBP/);
  });

  test('the account currency converts at 1, demo suffix or not; a different rate for it is refused', () => {
    const demo = computeExposureSnapshot({ ...account({}), accountCurrency: 'USDd', positions: [held('D-US', 'US500', 'USD', 'BUY', '1', '5000', '0')] });
    assert.equal(demo.positions[0]?.fxRate, '1');
    assert.equal(demo.totals.grossExposure, '5000');
    const agreeing = computeExposureSnapshot({ ...account({ GBP: '1.000' }), positions: [held('D-UK', 'UK100', 'GBP', 'BUY', '1', '8000', '0')] });
    assert.equal(agreeing.totals.grossExposure, '8000');
    assert.throws(() => computeExposureSnapshot({ ...account({ GBP: '0.9' }), positions: [held('D-UK', 'UK100', 'GBP', 'BUY', '1', '8000', '0')] }), /GBP is the account currency GBP: its rate is 1/);
  });

  test('a rate that is not a positive decimal is refused, not read as something else', () => {
    for (const [rate, message] of [
      ['0', /fxRates\.USD must be greater than 0/],
      ['0,8', /fxRates\.USD must be decimal text, got '0,8'/],
      ['', /fxRates\.USD must be decimal text/],
    ] as const) {
      assert.throws(() => computeExposureSnapshot({ ...account({ USD: rate }), positions: [held('D-US', 'US500', 'USD', 'BUY', '1', '5000', '0')] }), message);
    }
    const numeric = { USD: 0.8 } as unknown as Record<string, string>;
    assert.throws(() => computeExposureSnapshot({ ...account(numeric), positions: [held('D-US', 'US500', 'USD', 'BUY', '1', '5000', '0')] }), /fxRates\.USD must be decimal text, got number/);
  });

  test('a currency that is not a currency code is refused before any rate is looked up', () => {
    const odd = held('D-X', 'ODD', 'USD', 'BUY', '1', '1', '0');
    odd.position.currency = 'constructor';
    assert.throws(() => computeExposureSnapshot({ ...account({}), positions: [odd] }), /currency must be an ISO 4217 code/);
  });
});
