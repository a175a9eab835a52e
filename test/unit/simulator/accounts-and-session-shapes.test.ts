import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonical, toDecimal } from '../../../lib/money';
import { accountBalanceAt, accountPreferences, accountWireAt, sessionAccountAt, sessionBodyAt } from '../../../simulator/data/account-wire';
import { simulatedAccounts, SIMULATION_EPOCH_MS } from '../../../simulator/data/accounts';
import { marketByEpic } from '../../../simulator/data/markets';
import { balanceAt } from '../../../simulator/data/transactions';
import { shapeDifferences } from '../../helpers/json-shape';
import { exampleBody, MARCH_START_MS, SEED } from './helpers';

const AT_MS = MARCH_START_MS + 10 * 86_400_000 + 14 * 3_600_000;

describe('simulator accounts: identity', () => {
  test('deterministic accounts with distinct 17-digit ids, one preferred', () => {
    const accounts = simulatedAccounts(SEED, 5);
    assert.deepEqual(simulatedAccounts(SEED, 5), accounts);
    assert.notDeepEqual(simulatedAccounts('other', 5).map((a) => a.accountId), accounts.map((a) => a.accountId));
    assert.equal(new Set(accounts.map((a) => a.accountId)).size, 5);
    for (const account of accounts) assert.match(account.accountId, /^[1-9]\d{16}$/);
    assert.equal(accounts.filter((a) => a.preferred).length, 1);
    assert.equal(new Set(accounts.map((a) => a.referencePrefix)).size, 5);
  });

  test('mostly USD with EUR and GBP, offsets of 3 or 0 hours, a crypto market for weekends', () => {
    const accounts = simulatedAccounts(SEED, 4);
    assert.deepEqual(accounts.map((a) => a.currency), ['USD', 'EUR', 'GBP', 'USD']);
    assert.ok(accounts.every((a) => a.timezoneOffset === 3 || a.timezoneOffset === 0));
    assert.ok(accounts.some((a) => a.timezoneOffset === 3) && accounts.some((a) => a.timezoneOffset === 0));
    assert.ok(accounts.every((a) => a.tradedEpics.some((e) => marketByEpic(e).type === 'CRYPTOCURRENCIES')));
    assert.ok(accounts.every((a) => a.openedAtMs === SIMULATION_EPOCH_MS && a.transactionsPerMonth >= 600));
    assert.deepEqual(simulatedAccounts(SEED, 2, { demo: true }).map((a) => a.currency), ['USDd', 'EURd']);
    assert.equal(simulatedAccounts(SEED, 1, { transactionsPerMonth: 1_000_000 })[0]?.transactionsPerMonth, 1_000_000);
    assert.throws(() => simulatedAccounts(SEED, 0), RangeError);
  });
});

describe('simulator accounts: wire shapes and balances', () => {
  const [usd, eur] = simulatedAccounts(SEED, 2);

  test('GET /accounts items match the official example (plus the newer symbol)', () => {
    const example = (exampleBody('get-all-accounts-successfull-response.json') as { accounts: Record<string, unknown>[] }).accounts;
    const items = [accountWireAt({ seed: SEED, account: usd!, atMs: AT_MS }), accountWireAt({ seed: SEED, account: eur!, atMs: AT_MS })];
    assert.deepEqual(shapeDifferences(example.map((a) => ({ ...a, symbol: '$' })), items), []);
  });

  test('session accounts[] and the whole session body match the newest docs', () => {
    const example = exampleBody('newest-docs-session-create.json') as { accounts: unknown[] };
    assert.deepEqual(shapeDifferences(example.accounts, [sessionAccountAt({ seed: SEED, account: usd!, atMs: AT_MS })]), []);
    const body = sessionBodyAt({ seed: SEED, accounts: [usd!, eur!], currentAccountId: usd!.accountId, clientId: '12345678', atMs: AT_MS });
    assert.deepEqual(shapeDifferences(example, body), []);
    assert.equal(body.timezoneOffset, 3);
    assert.deepEqual(body.accountInfo, body.accounts[0]?.balance);
  });

  test('deposit is the cash balance and balance = deposit + profitLoss', () => {
    const wire = accountBalanceAt({ seed: SEED, account: usd!, atMs: AT_MS });
    assert.equal(String(wire.deposit), canonical(balanceAt({ seed: SEED, account: usd!, atMs: AT_MS }).toDecimalPlaces(2)));
    assert.ok(toDecimal(wire.deposit).plus(toDecimal(wire.profitLoss)).eq(toDecimal(wire.balance)));
    assert.ok(wire.available >= 0 && wire.available <= wire.balance);
  });

  test('preferences list a current leverage among the available ones for each instrument type', () => {
    const preferences = accountPreferences();
    const example = exampleBody('get-account-preferences-successful-response.json');
    assert.deepEqual(shapeDifferences(example, preferences), []);
    for (const leverage of Object.values(preferences.leverages)) assert.ok(leverage.available.includes(leverage.current));
  });
});
