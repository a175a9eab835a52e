import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { marketDetails, marketSummary } from '../../../simulator/data/market-wire';
import { allMarkets, findMarket, INSTRUMENT_TYPES, marketByEpic, searchMarkets, UnknownMarketError } from '../../../simulator/data/markets';
import { navigationNode, navigationNodeIds, navigationRoot } from '../../../simulator/data/navigation';
import { shapeDifferences } from '../../helpers/json-shape';
import { exampleBody, MARCH_START_MS } from './helpers';

const AT_MS = MARCH_START_MS + 10 * 86_400_000 + 15 * 3_600_000; // Tuesday 2025-03-11 15:00 UTC

/** The 2023 example renamed to the current field names, plus the fields the newest docs add (REFERENCE §7.3). */
function currentMarketDetailsTemplate(): unknown {
  const old = exampleBody('get-single-market-details-successful-response.json') as {
    instrument: Record<string, unknown>;
    dealingRules: Record<string, unknown>;
    snapshot: Record<string, unknown>;
  };
  const { controlledRiskAllowed, ...instrument } = old.instrument;
  const { minControlledRiskStopDistance, minNormalStopOrLimitDistance, maxStopOrLimitDistance, ...rules } = old.dealingRules;
  const rule = { unit: 'POINTS', value: 1 };
  return {
    instrument: {
      ...instrument,
      symbol: 'SILVER',
      guaranteedStopAllowed: controlledRiskAllowed,
      overnightFee: { longRate: -0.02, shortRate: 0.001, swapChargeTimestamp: 1755896400000, swapChargeInterval: 1440 },
    },
    dealingRules: {
      ...rules,
      maxDealSize: rule,
      minSizeIncrement: rule,
      minGuaranteedStopDistance: minControlledRiskStopDistance,
      minStopOrProfitDistance: minNormalStopOrLimitDistance,
      maxStopOrProfitDistance: maxStopOrLimitDistance,
    },
    snapshot: { ...old.snapshot, marketModes: ['REGULAR'] },
  };
}

describe('simulator markets: catalogue', () => {
  test('holds over a hundred markets across the five instrument types, including every epic the examples use', () => {
    assert.ok(allMarkets().length >= 100, `${allMarkets().length} markets`);
    for (const type of INSTRUMENT_TYPES) assert.ok(allMarkets().some((m) => m.type === type), type);
    for (const epic of ['SILVER', 'GOLD', 'NATURALGAS', 'OIL_CRUDE', 'US500', 'AAPL', 'BTCUSD', 'EURUSD', 'OPEN']) assert.ok(findMarket(epic), epic);
  });

  test('every market has a positive spread, sane sizes and a rate printed with seven decimals', () => {
    for (const m of allMarkets()) {
      assert.ok(m.spreadPoints > 0 && m.basePoints > 0, m.epic);
      assert.ok(Number(m.minDealSize) > 0 && Number(m.minSizeIncrement) > 0 && Number(m.maxDealSize) > Number(m.minDealSize), m.epic);
      assert.match(m.overnightLongRate, /^-?\d\.\d{7}$/, m.epic);
      assert.match(m.overnightShortRate, /^-?\d\.\d{7}$/, m.epic);
      assert.ok(Number(m.overnightLongRate) < 0, `${m.epic}: longs pay funding`);
    }
  });

  test('stop/profit distance rules come in both POINTS and PERCENTAGE units', () => {
    const units = new Set(allMarkets().map((m) => marketDetails(m.epic, AT_MS).dealingRules.minStopOrProfitDistance.unit));
    assert.deepEqual([...units].sort(), ['PERCENTAGE', 'POINTS']);
  });

  test('unknown epics are refused with a typed error; search matches epic and name', () => {
    assert.throws(() => marketByEpic('NOPE'), UnknownMarketError);
    assert.throws(() => marketSummary('NOPE', AT_MS), UnknownMarketError);
    assert.ok(searchMarkets('silver').some((m) => m.epic === 'SILVER'));
    assert.ok(searchMarkets('apple').some((m) => m.epic === 'AAPL'));
    assert.deepEqual(searchMarkets('  '), []);
  });
});

describe('simulator markets: wire shapes match the official examples', () => {
  test('GET /markets/{epic} has the current field names and the example JSON types', () => {
    const details = marketDetails('SILVER', AT_MS, 3);
    assert.deepEqual(shapeDifferences(currentMarketDetailsTemplate(), details), []);
    assert.equal(details.snapshot.decimalPlacesFactor, 3);
    assert.equal(details.snapshot.offer > details.snapshot.bid, true);
    assert.ok(details.instrument.overnightFee.swapChargeTimestamp > AT_MS);
    assert.deepEqual(details.instrument.openingHours.sun, ['23:05 - 00:00']);
  });

  test('the market summary has the newest positions-example keys and is a superset of the navigation example', () => {
    const newest = (exampleBody('newest-docs-positions.json') as { positions: { market: unknown }[] }).positions[0]?.market;
    const summary = marketSummary('NATURALGAS', AT_MS, 3);
    assert.deepEqual(shapeDifferences(newest, summary), []);
    const navigation = (exampleBody('get-all-category-sub-nodes-success-list-of-markets-in-category-with-limit-2.json') as { markets: Record<string, unknown>[] }).markets[0] ?? {};
    const extra = shapeDifferences(navigation, summary).filter((d) => !d.endsWith('unexpected key'));
    assert.deepEqual(extra, []);
  });

  test('summary prices sit within the day range and closed markets say so', () => {
    const summary = marketSummary('AAPL', AT_MS);
    assert.equal(summary.marketStatus, 'TRADEABLE');
    assert.ok(summary.low <= summary.bid && summary.bid <= summary.high);
    const saturday = marketSummary('AAPL', Date.UTC(2025, 2, 15, 12));
    assert.equal(saturday.marketStatus, 'CLOSED');
    assert.equal(marketSummary('BTCUSD', Date.UTC(2025, 2, 15, 12)).marketStatus, 'TRADEABLE');
  });
});

describe('simulator markets: navigation', () => {
  test('the top level uses hierarchy_v1 ids like the example, and every market is reachable', () => {
    const root = navigationRoot();
    const example = exampleBody('get-all-top-level-market-categories-successful-response.json') as { nodes: { id: string }[] };
    for (const node of example.nodes) assert.ok(root.some((n) => n.id === node.id), node.id);
    const reached = new Set<string>();
    const queue = root.map((n) => n.id);
    for (let steps = 0; queue.length > 0 && steps < 1000; steps++) {
      const id = queue.shift() as string;
      const node = navigationNode(id);
      assert.ok(node, id);
      node.epics.forEach((e) => reached.add(e));
      queue.push(...node.nodes.map((n) => n.id));
    }
    for (const m of allMarkets()) assert.ok(reached.has(m.epic), `${m.epic} is not reachable`);
    assert.equal(navigationNode('hierarchy_v1.nope'), undefined);
    assert.ok(navigationNodeIds().every((id) => id.startsWith('hierarchy_v1.')));
  });

  test('weekend trading lists the markets open on Saturdays', () => {
    const weekend = navigationNode('hierarchy_v1.commons.weekend_trading');
    assert.ok(weekend?.epics.includes('BTCUSD'));
    assert.ok(!weekend?.epics.includes('AAPL'));
  });
});
