/**
 * The chart of accounts: the company's ledger accounts, each of one of the five classic types, in
 * an optional hierarchy. A chart is plain data (stored in the database, imported from JSON); this
 * module says what a valid one looks like and lists every way a given chart falls short.
 */
import { z } from 'zod';

export const ACCOUNT_TYPES = ['asset', 'liability', 'equity', 'income', 'expense'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** One thing wrong with a chart or a rule set: where (a JSON-style path) and why. */
export interface LedgerProblem {
  path: string;
  reason: string;
}

/** Codes are short identifiers ("1100", "5210"): no spaces, so they survive CSV and journal files. */
const ACCOUNT_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
/** ISO 4217 codes, plus the demo spelling Capital.com uses ("USDd"). */
const CURRENCY_CODE = /^[A-Z]{3}[a-z]?$/;

export const accountCodeSchema = z.string().regex(ACCOUNT_CODE, 'an account code is 1-32 letters, digits, ".", "_" or "-"');

export const ledgerAccountSchema = z.strictObject({
  code: accountCodeSchema,
  name: z.string().trim().min(1, 'an account needs a name'),
  type: z.enum(ACCOUNT_TYPES),
  /** Omitted: the account takes amounts in any currency. */
  currency: z.string().regex(CURRENCY_CODE, 'a currency is an ISO 4217 code such as "USD"').optional(),
  /** Code of the summary account this one rolls up into. */
  parent: accountCodeSchema.optional(),
});
export type LedgerAccount = z.output<typeof ledgerAccountSchema>;

/** The shape of a chart only; `validateChart` checks how its accounts relate to each other. */
export const chartOfAccountsShapeSchema = z.strictObject({
  version: z.number().int().positive(),
  accounts: z.array(ledgerAccountSchema).min(1, 'a chart needs at least one account'),
});
export type ChartOfAccounts = z.output<typeof chartOfAccountsShapeSchema>;

/** Shape plus relations: parsing succeeds only for a chart `validateChart` finds no problem with. */
export const chartOfAccountsSchema = chartOfAccountsShapeSchema.superRefine((chart, ctx) => {
  for (const problem of validateChart(chart)) ctx.addIssue({ code: 'custom', message: `${problem.path}: ${problem.reason}` });
});

/**
 * Every problem with the chart's accounts taken together: duplicate codes, parents that do not
 * exist or are of another type (an asset rolls up only into an asset), and parent cycles.
 */
export function validateChart(chart: ChartOfAccounts): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  if (!Number.isInteger(chart.version) || chart.version < 1) {
    problems.push({ path: 'version', reason: `version must be a positive integer, got ${String(chart.version)}` });
  }
  const firstIndexByCode = new Map<string, number>();
  chart.accounts.forEach((account, index) => {
    const seenAt = firstIndexByCode.get(account.code);
    if (seenAt === undefined) firstIndexByCode.set(account.code, index);
    else problems.push({ path: `accounts[${index}].code`, reason: `duplicate account code '${account.code}' (first at accounts[${seenAt}])` });
  });

  const byCode = indexAccounts(chart);
  chart.accounts.forEach((account, index) => {
    if (account.parent === undefined) return;
    const path = `accounts[${index}].parent`;
    const parent = byCode.get(account.parent);
    if (parent === undefined) {
      problems.push({ path, reason: `parent '${account.parent}' of account '${account.code}' is not in the chart` });
    } else if (parent.type !== account.type) {
      problems.push({ path, reason: `account '${account.code}' (${account.type}) rolls up into '${parent.code}' (${parent.type}); a parent must be of the same type` });
    } else if (hasParentCycle(account, byCode)) {
      problems.push({ path, reason: `account '${account.code}' is its own ancestor (parent cycle)` });
    }
  });
  return problems;
}

/** Accounts by code; with duplicate codes the first one wins (validation reports the rest). */
export function indexAccounts(chart: ChartOfAccounts): ReadonlyMap<string, LedgerAccount> {
  const byCode = new Map<string, LedgerAccount>();
  for (const account of chart.accounts) if (!byCode.has(account.code)) byCode.set(account.code, account);
  return byCode;
}

/** Codes of accounts that other accounts roll up into: summary accounts, not posted to directly. */
export function summaryAccountCodes(chart: ChartOfAccounts): ReadonlySet<string> {
  const codes = new Set<string>();
  for (const account of chart.accounts) if (account.parent !== undefined) codes.add(account.parent);
  return codes;
}

/** True when following parents from `account` comes back to it. Bounded by the chart's size. */
function hasParentCycle(account: LedgerAccount, byCode: ReadonlyMap<string, LedgerAccount>): boolean {
  let current = account.parent === undefined ? undefined : byCode.get(account.parent);
  for (let steps = 0; current !== undefined && steps <= byCode.size; steps++) {
    if (current.code === account.code) return true;
    current = current.parent === undefined ? undefined : byCode.get(current.parent);
  }
  return false;
}
