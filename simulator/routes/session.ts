import { createSessionRequestSchema, switchAccountRequestSchema } from '../../lib/capital/schemas';
import { sessionBodyAt } from '../data/account-wire';
import { fail, ok, type Route } from '../router';
import type { SimulatorCore } from '../server';
import type { SimulatorWorld } from '../world';

/** Time, ping, the encryption key and the session calls (§1.3–§1.6). */
export function sessionRoutes(world: SimulatorWorld, core: SimulatorCore, streamingHost: () => string): Route[] {
  const sessionBody = (accountId: string, now: number) => {
    const body = sessionBodyAt({ seed: world.seed, accounts: world.accounts, currentAccountId: accountId, clientId: world.clientId, atMs: now, streamingHost: streamingHost() });
    const current = world.account(accountId);
    return current ? { ...body, accountInfo: world.balances(current, now) } : body;
  };

  return [
    { method: 'GET', path: '/time', auth: false, handle: (ctx) => ok({ serverTime: ctx.now }) },
    { method: 'GET', path: '/ping', auth: true, handle: () => ok({ status: 'OK' }) },
    {
      method: 'GET',
      path: '/session/encryptionKey',
      auth: false,
      handle(ctx) {
        const apiKey = ctx.headers['x-cap-api-key'];
        if (!apiKey) return fail(400, 'error.null.api.key');
        if (!core.sessions.apiKeyMatches(apiKey)) return fail(401, 'error.invalid.api.key');
        return ok({ encryptionKey: core.sessions.encryptionKey, timeStamp: ctx.now });
      },
    },
    {
      method: 'POST',
      path: '/session',
      auth: false,
      handle(ctx) {
        const apiKey = ctx.headers['x-cap-api-key'];
        if (!apiKey) return fail(400, 'error.null.api.key');
        const body = createSessionRequestSchema.safeParse(ctx.body ?? {});
        if (!body.success) return fail(400, 'error.invalid.details');
        const result = core.sessions.login(apiKey, body.data.identifier, body.data.password, body.data.encryptedPassword === true);
        if (!result.ok) return fail(result.status, result.errorCode);
        return { status: 200, body: sessionBody(result.session.accountId, ctx.now), session: result.session };
      },
    },
    {
      method: 'GET',
      path: '/session',
      auth: true,
      handle(ctx) {
        const account = world.account(ctx.session.accountId) ?? world.defaultAccount();
        return ok({ clientId: world.clientId, accountId: account.accountId, timezoneOffset: account.timezoneOffset, locale: 'en', currency: account.currency, streamEndpoint: streamingHost() });
      },
    },
    {
      method: 'PUT',
      path: '/session',
      auth: true,
      handle(ctx) {
        const body = switchAccountRequestSchema.safeParse(ctx.body ?? {});
        if (!body.success || !world.account(body.data.accountId)) return fail(400, 'error.invalid.accountId');
        ctx.session.accountId = body.data.accountId;
        const demo = world.accounts.some((a) => a.currency.endsWith('d'));
        return ok({ trailingStopsEnabled: false, dealingEnabled: true, hasActiveDemoAccounts: demo, hasActiveLiveAccounts: !demo });
      },
    },
    {
      method: 'DELETE',
      path: '/session',
      auth: true,
      handle(ctx) {
        core.sessions.end(ctx.session);
        return ok({ status: 'SUCCESS' });
      },
    },
  ];
}
