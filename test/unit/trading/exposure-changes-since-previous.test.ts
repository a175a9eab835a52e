import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { instrumentId } from '../../../lib/ledger/instrument-id';
import { toDecimal } from '../../../lib/money';
import {
  computeExposureSnapshot,
  type ExposureAggregate,
  type ExposureAggregateChange,
  ExposureInputError,
  type ExposurePositionInput,
  type ExposureSnapshot,
  type ExposureSnapshotInput,
} from '../../../lib/trading/exposure';

const held = (dealId: string, epic: string, instrumentType: string, direction: string, size: string, price: string, upl: string): ExposurePositionInput => ({
  position: { dealId, direction, size, contractSize: '1', upl, currency: 'USD', leverage: 10 },
  market: { epic, instrumentType, bid: price, offer: price, lotSize: '1' },
});

const T0_MS = Date.UTC(2025, 3, 1, 9, 0);
const T1_MS = T0_MS + 60_000;
const LIMITS = { version: 'c1', fastChangePercent: 25 };

/** USD account, equity 10000; margin by leverage 10. Gross 13000, net 9000, margin 1300, upl −5, leverage 1.3. */
const before: ExposureSnapshotInput = {
  accountId: 'ACC-C',
  accountCurrency: 'USD',
  equity: '10000',
  atMs: T0_MS,
  positions: [
    held('A', 'US500', 'INDICES', 'BUY', '1', '5000', '10'),
    held('B', 'BTCUSD', 'CRYPTOCURRENCIES', 'BUY', '0.1', '60000', '-20'),
    held('C', 'AAPL', 'SHARES', 'SELL', '10', '200', '5'),
  ],
  instruments: {},
  fxRates: {},
  limits: LIMITS,
};

/**
 * A minute later, equity 9800: US500 up to 5100, BTCUSD down to 50000, AAPL closed, a DE40 short
 * of 18000 opened. Gross 28100, net −7900, margin 2810, upl −910, leverage 28100 ÷ 9800 = 2.86734694.
 */
const after = (previous: ExposureSnapshot | null): ExposureSnapshotInput => ({
  ...before,
  equity: '9800',
  atMs: T1_MS,
  positions: [
    held('A', 'US500', 'INDICES', 'BUY', '1', '5100', '110'),
    held('B', 'BTCUSD', 'CRYPTOCURRENCIES', 'BUY', '0.1', '50000', '-1020'),
    held('D', 'DE40', 'INDICES', 'SELL', '1', '18000', '0'),
  ],
  previous,
});

/** What the store gives back: the snapshot through JSON. */
const stored = (snapshot: ExposureSnapshot): ExposureSnapshot => JSON.parse(JSON.stringify(snapshot)) as ExposureSnapshot;
const keyed = (list: readonly ExposureAggregateChange[], key: string) => list.find((change) => change.key === key);

describe('changes since the previous snapshot', () => {
  const previous = stored(computeExposureSnapshot(before));
  const current = computeExposureSnapshot(after(previous));
  const changes = current.changes;

  test('the first snapshot has no changes', () => {
    assert.equal(previous.changes, null);
    assert.ok(changes);
  });

  test('totals: gross +15100 (+116.15384615 %), net −16900, margin +1510, upl −905, leverage +1.56734694', () => {
    assert.deepEqual(changes?.totals, {
      grossExposure: '15100',
      netExposure: '-16900',
      margin: '1510',
      unrealisedPnl: '-905',
      leverage: '1.56734694',
      positionCount: 0,
      grossChangePercent: '116.15384615',
    });
    assert.deepEqual([changes?.previousAtMs, changes?.elapsedMs], [T0_MS, 60_000]);
  });

  test('instruments: DE40 appeared, AAPL disappeared, BTCUSD continued 16.67 % lower', () => {
    assert.deepEqual(changes?.appearedInstruments, [{ instrumentId: instrumentId('DE40'), epic: 'DE40' }]);
    assert.deepEqual(changes?.disappearedInstruments, [{ instrumentId: instrumentId('AAPL'), epic: 'AAPL' }]);
    const de40 = keyed(changes?.byInstrument ?? [], instrumentId('DE40'));
    assert.deepEqual([de40?.status, de40?.grossExposure, de40?.netExposure, de40?.leverage, de40?.grossChangePercent], ['appeared', '18000', '-18000', '1.83673469', null]);
    const aapl = keyed(changes?.byInstrument ?? [], instrumentId('AAPL'));
    assert.deepEqual([aapl?.status, aapl?.grossExposure, aapl?.netExposure, aapl?.leverage, aapl?.positionCount, aapl?.grossChangePercent], ['disappeared', '-2000', '2000', '-0.2', -1, '-100']);
    const btc = keyed(changes?.byInstrument ?? [], instrumentId('BTCUSD'));
    assert.deepEqual([btc?.status, btc?.grossExposure, btc?.unrealisedPnl, btc?.leverage, btc?.grossChangePercent], ['continuing', '-1000', '-1000', '-0.08979592', '-16.66666667']);
    const keys = changes?.byInstrument.map((change) => change.key) ?? [];
    assert.deepEqual(keys, [...keys].sort(), 'the union of both snapshots’ keys, sorted');
    assert.equal(keys.length, 4);
  });

  test('by type and currency the same way: SHARES went, INDICES grew 362 %', () => {
    assert.deepEqual(changes?.byInstrumentType.map(({ key, status }) => [key, status]), [['CRYPTOCURRENCIES', 'continuing'], ['INDICES', 'continuing'], ['SHARES', 'disappeared']]);
    assert.equal(keyed(changes?.byInstrumentType ?? [], 'INDICES')?.grossChangePercent, '362');
    assert.deepEqual(changes?.byCurrency.map(({ key, grossExposure }) => [key, grossExposure]), [['USD', '15100']]);
  });

  test('previous + change = current, exactly, for every key of every grouping', () => {
    const groupings = ['byInstrument', 'byInstrumentType', 'byCurrency'] as const;
    for (const grouping of groupings) {
      for (const change of changes?.[grouping] ?? []) {
        const was: ExposureAggregate | undefined = previous[grouping].find((aggregate) => aggregate.key === change.key);
        const now: ExposureAggregate | undefined = current[grouping].find((aggregate) => aggregate.key === change.key);
        for (const field of ['grossExposure', 'netExposure', 'margin', 'unrealisedPnl'] as const) {
          const sum = toDecimal(was?.[field] ?? '0').plus(toDecimal(change[field]));
          assert.ok(sum.eq(toDecimal(now?.[field] ?? '0')), `${grouping} ${change.key} ${field}`);
        }
      }
    }
  });

  test('fast changes above 25 %: the total, INDICES (from 5000 to 23100) and SHARES (to 0); crypto at −16.67 % is not one', () => {
    assert.deepEqual(
      changes?.fastChanges.map(({ scope, key, previousGrossExposure, grossExposure, changePercent }) => [scope, key, previousGrossExposure, grossExposure, changePercent]),
      [
        ['total', 'total', '13000', '28100', '116.15384615'],
        ['instrumentType', 'INDICES', '5000', '23100', '362'],
        ['instrumentType', 'SHARES', '2000', '0', '-100'],
      ],
    );
    assert.match(changes?.fastChanges[0]?.message ?? '', /total gross exposure moved 116\.15384615% \(13000 → 28100\), more than 25%/);
  });

  test('exposure from none is a fast change without a percent; without fastChangePercent there are none', () => {
    const empty = stored(computeExposureSnapshot({ ...before, positions: [] }));
    const opened = computeExposureSnapshot(after(empty));
    const total = opened.changes?.fastChanges.find((signal) => signal.scope === 'total');
    assert.deepEqual([total?.changePercent, total?.message], [null, 'total gross exposure went from 0 to 28100']);
    assert.equal(opened.changes?.totals.grossChangePercent, null);
    const quiet = computeExposureSnapshot({ ...after(previous), limits: { version: 'c2' } });
    assert.deepEqual(quiet.changes?.fastChanges, []);
  });

  test('leverage changes are null when either side has no leverage (equity ≤ 0)', () => {
    const broke = computeExposureSnapshot({ ...after(previous), equity: '-100' });
    assert.equal(broke.changes?.totals.leverage, null);
    assert.equal(keyed(broke.changes?.byInstrument ?? [], instrumentId('AAPL'))?.leverage, null);
  });

  test('a previous snapshot of another account, currency or version, or not earlier, is refused', () => {
    const cases: [ExposureSnapshot, RegExp][] = [
      [{ ...previous, accountId: 'OTHER' }, /previous snapshot is of account OTHER/],
      [{ ...previous, accountCurrency: 'EUR' }, /previous snapshot is in EUR/],
      [{ ...previous, atMs: T1_MS }, /is not before this one/],
      [{ ...previous, version: 2 } as unknown as ExposureSnapshot, /previous snapshot is version 2/],
    ];
    for (const [wrong, message] of cases) {
      assert.throws(() => computeExposureSnapshot(after(wrong)), (error: unknown) => error instanceof ExposureInputError && message.test(error.message));
    }
  });

  test('the same inputs give the same changes in any order', () => {
    const input = after(previous);
    const reordered = computeExposureSnapshot({ ...input, positions: [...input.positions].reverse() });
    assert.equal(JSON.stringify(reordered), JSON.stringify(current));
  });
});
