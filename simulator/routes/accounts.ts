import { topUpRequestSchema, updatePreferencesRequestSchema } from '../../lib/capital/schemas';
import { toDecimal } from '../../lib/money';
import { accountWireAt } from '../data/account-wire';
import { fail, ok, type Route, type RouteContext } from '../router';
import type { SimulatorWorld } from '../world';

export function accountRoutes(world: SimulatorWorld): Route[] {
  const current = (ctx: RouteContext) => world.account(ctx.session.accountId) ?? world.defaultAccount();
  return [
    {
      method: 'GET',
      path: '/accounts',
      auth: true,
      handle: (ctx) =>
        ok({
          accounts: world.accounts.map((account) => ({
            ...accountWireAt({ seed: world.seed, account, atMs: ctx.now, options: world.options.transactionOptions }),
            balance: world.balances(account, ctx.now),
          })),
        }),
    },
    {
      method: 'GET',
      path: '/accounts/preferences',
      auth: true,
      handle: (ctx) => ok(world.state(current(ctx).accountId).preferences),
    },
    {
      method: 'PUT',
      path: '/accounts/preferences',
      auth: true,
      handle(ctx) {
        const body = updatePreferencesRequestSchema.safeParse(ctx.body ?? {});
        if (!body.success) return fail(400, 'error.invalid.leverage.value');
        const preferences = world.state(current(ctx).accountId).preferences;
        for (const [type, leverage] of Object.entries(body.data.leverages ?? {})) {
          const setting = preferences.leverages[type as keyof typeof preferences.leverages];
          if (!setting || !setting.available.includes(leverage as number)) return fail(400, 'error.invalid.leverage.value');
        }
        for (const [type, leverage] of Object.entries(body.data.leverages ?? {})) {
          preferences.leverages[type as keyof typeof preferences.leverages].current = leverage as number;
        }
        if (body.data.hedgingMode !== undefined) preferences.hedgingMode = body.data.hedgingMode;
        return ok({ status: 'SUCCESS' });
      },
    },
    {
      method: 'POST',
      path: '/accounts/topUp',
      auth: true,
      handle(ctx) {
        const body = topUpRequestSchema.safeParse(ctx.body ?? {});
        if (!body.success) return fail(400, 'error.invalid.amount');
        const state = world.state(current(ctx).accountId);
        state.toppedUp = state.toppedUp.plus(toDecimal(body.data.amount));
        return ok({ successful: true });
      },
    },
  ];
}
