import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { CapitalAuthError, createCapitalClient } from '../../../lib/capital';
import { canonical } from '../../../lib/money';
import { logins, quietLog, retries, startSimulatorWithClient } from '../../helpers/simulator';

describe('Capital.com sessions against the simulator over HTTP', () => {
  test('encrypted login, then accounts and session details parse with exact money', async () => {
    const fixture = await startSimulatorWithClient();
    try {
      const { accounts } = await fixture.client.accounts();
      assert.equal(accounts.length, 2);
      const first = accounts[0];
      assert.ok(first);
      assert.equal(typeof canonical(first.balance.balance), 'string');
      assert.ok(first.balance.balance.equals(first.balance.deposit.plus(first.balance.profitLoss)), 'balance = deposit + profitLoss');
      const details = await fixture.client.sessionDetails();
      assert.equal(details.accountId, fixture.client.session.sessionInfo()?.currentAccountId);
      assert.equal(logins(fixture.events), 1);
    } finally {
      await fixture.close();
    }
  });

  test('plain-password login works too', async () => {
    const fixture = await startSimulatorWithClient({}, { encryptPassword: false });
    try {
      assert.equal((await fixture.client.ping()).status, 'OK');
    } finally {
      await fixture.close();
    }
  });

  test('a wrong password is an auth error at once, not a retry storm', async () => {
    const fixture = await startSimulatorWithClient();
    try {
      const wrong = createCapitalClient({ capital: { environment: 'custom', baseUrl: fixture.simulator.url, ...fixture.simulator.credentials, password: 'not-it' }, log: quietLog });
      await assert.rejects(wrong.accounts(), (error: unknown) => error instanceof CapitalAuthError && error.code === 'error.invalid.details');
      assert.equal(fixture.simulator.stats().requests, 2, 'one encryption key and one login request');
    } finally {
      await fixture.close();
    }
  });

  test('an idle-expired session is renewed transparently and the call succeeds', async () => {
    const fixture = await startSimulatorWithClient();
    try {
      await fixture.client.accounts();
      fixture.simulator.core.clock.advance(11 * 60_000);
      const { positions } = await fixture.client.positions();
      assert.ok(Array.isArray(positions));
      assert.equal(logins(fixture.events), 2, 'logged in again once');
    } finally {
      await fixture.close();
    }
  });

  test('keep-alive pings hold an otherwise idle session open', async () => {
    const fixture = await startSimulatorWithClient({ session: { idleTimeoutMs: 1_500 } }, { keepAliveIdleMs: 200 });
    try {
      await fixture.client.accounts();
      await sleep(4_000);
      await fixture.client.accounts();
      assert.equal(logins(fixture.events), 1, 'no re-login needed');
      assert.ok(fixture.events.some((e) => e.type === 'keep-alive'), 'pinged');
    } finally {
      await fixture.close();
    }
  });

  test('a proactive re-login happens before the hard lifetime, without a failed call', async () => {
    const fixture = await startSimulatorWithClient({}, { hardLifetimeMs: 300 });
    try {
      await fixture.client.accounts();
      await sleep(400);
      await fixture.client.accounts();
      assert.equal(logins(fixture.events), 2);
      assert.equal(fixture.events.filter((e) => e.type === 'login' && e.reason === 'hard lifetime reached').length, 1);
    } finally {
      await fixture.close();
    }
  });

  test('sessions invalidated every few requests: every call still succeeds', async () => {
    const fixture = await startSimulatorWithClient({ faults: { invalidateSessionEvery: 4 } });
    try {
      for (let i = 0; i < 12; i++) await fixture.client.ping();
      assert.ok(logins(fixture.events) >= 3, `re-logged in ${logins(fixture.events)} times`);
      assert.ok(fixture.simulator.stats().sessionsInvalidated >= 3);
    } finally {
      await fixture.close();
    }
  });

  test('concurrent logins with one API key are serialised within the 1/s login limit', async () => {
    const fixture = await startSimulatorWithClient();
    try {
      const others = [fixture.newClient(), fixture.newClient(), fixture.newClient()];
      await Promise.all([fixture.client, ...others].map((c) => c.ping()));
      assert.equal(logins(fixture.events), 4);
      assert.equal(retries(fixture.events).length, 0, 'the broker never had to refuse a login');
    } finally {
      await fixture.close();
    }
  });

  test('logout ends the session on the broker', async () => {
    const fixture = await startSimulatorWithClient();
    try {
      await fixture.client.ping();
      assert.equal(fixture.simulator.stats().activeSessions, 1);
      await fixture.client.logout();
      assert.equal(fixture.simulator.stats().activeSessions, 0);
    } finally {
      await fixture.close();
    }
  });
});
