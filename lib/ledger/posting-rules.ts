/**
 * Posting rules: for each broker transactionType, which account is debited and which credited,
 * depending on the sign of the row's cash effect. Rule sets are versioned and take effect on a
 * date, so a month closed under version 1 still re-posts the same way after version 2 exists.
 */
import { z } from 'zod';
import { LEGACY_TRANSACTION_TYPES, TRANSACTION_TYPES } from '../capital/schemas/history';
import { accountCodeSchema, indexAccounts, summaryAccountCodes, type ChartOfAccounts, type LedgerProblem } from './chart-of-accounts';

/**
 * Every type Capital.com has documented, current and 2022-only. A rule set must map each of them:
 * old rows still carry the legacy names, and an unmapped documented type is a gap, not a choice.
 */
export const DOCUMENTED_TRANSACTION_TYPES: readonly string[] = [...TRANSACTION_TYPES, ...LEGACY_TRANSACTION_TYPES];

const TRANSACTION_TYPE_NAME = /^[A-Z][A-Z0-9_]*$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const postingSideSchema = z.strictObject({ debit: accountCodeSchema, credit: accountCodeSchema });
/** The two accounts one sign of a transaction moves; the amount posted is always the absolute value. */
export type PostingSide = z.output<typeof postingSideSchema>;

export const postingRuleSchema = z.strictObject({
  /** Open: a rule may map a type the docs do not list yet (that is how a new type stops being quarantined). */
  transactionType: z.string().regex(TRANSACTION_TYPE_NAME, 'a transactionType is upper case, digits and "_"'),
  description: z.string().trim().min(1, 'say why the rule posts the way it does'),
  /** Cash came into the broker account (size > 0). */
  whenPositive: postingSideSchema,
  /** Cash left the broker account (size < 0). */
  whenNegative: postingSideSchema,
});
export type PostingRule = z.output<typeof postingRuleSchema>;

export const postingRuleSetSchema = z.strictObject({
  version: z.number().int().positive(),
  /** First UTC day the set applies to, `YYYY-MM-DD`. */
  effectiveFrom: z.string().regex(ISO_DATE, 'effectiveFrom is YYYY-MM-DD'),
  description: z.string().trim().min(1, 'describe what this version changes'),
  rules: z.array(postingRuleSchema),
});
export type PostingRuleSet = z.output<typeof postingRuleSetSchema>;

/**
 * Every problem with one rule set against a chart. Paths are relative to the rule set
 * (`rules[3].whenPositive.debit`). Checks: version and date sane; every account referenced exists
 * and is not a summary account; debit and credit differ; no type mapped twice; every documented
 * type mapped.
 */
export function validateRuleSet(ruleSet: PostingRuleSet, chart: ChartOfAccounts): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  if (!Number.isInteger(ruleSet.version) || ruleSet.version < 1) {
    problems.push({ path: 'version', reason: `version must be a positive integer, got ${String(ruleSet.version)}` });
  }
  if (effectiveFromMs(ruleSet.effectiveFrom) === undefined) {
    problems.push({ path: 'effectiveFrom', reason: `effectiveFrom must be a calendar date YYYY-MM-DD, got '${ruleSet.effectiveFrom}'` });
  }

  const accounts = indexAccounts(chart);
  const summaries = summaryAccountCodes(chart);
  const firstIndexByType = new Map<string, number>();
  ruleSet.rules.forEach((rule, index) => {
    const at = `rules[${index}]`;
    if (!TRANSACTION_TYPE_NAME.test(rule.transactionType)) {
      problems.push({ path: `${at}.transactionType`, reason: `'${rule.transactionType}' is not a transactionType name` });
    }
    const seenAt = firstIndexByType.get(rule.transactionType);
    if (seenAt === undefined) firstIndexByType.set(rule.transactionType, index);
    else problems.push({ path: `${at}.transactionType`, reason: `${rule.transactionType} is mapped twice (first at rules[${seenAt}])` });

    for (const sign of ['whenPositive', 'whenNegative'] as const) {
      const side = rule[sign];
      for (const leg of ['debit', 'credit'] as const) {
        const code = side[leg];
        const path = `${at}.${sign}.${leg}`;
        if (!accounts.has(code)) problems.push({ path, reason: `account '${code}' is not in chart version ${chart.version}` });
        else if (summaries.has(code)) problems.push({ path, reason: `account '${code}' is a summary account; post to one of its sub-accounts` });
      }
      if (side.debit === side.credit) {
        problems.push({ path: `${at}.${sign}`, reason: `${rule.transactionType} debits and credits the same account '${side.debit}'` });
      }
    }
  });

  for (const type of DOCUMENTED_TRANSACTION_TYPES) {
    if (!firstIndexByType.has(type)) problems.push({ path: 'rules', reason: `documented transactionType ${type} is not mapped` });
  }
  return problems;
}

/**
 * Problems across the versions of a rule-set history: versions unique, and a later version never
 * takes effect before an earlier one (otherwise which set is in force would depend on list order).
 */
export function validateRuleSetHistory(ruleSets: readonly PostingRuleSet[]): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  if (ruleSets.length === 0) problems.push({ path: '', reason: 'at least one posting rule set is needed' });
  const ordered = ruleSets.map((ruleSet, index) => ({ ruleSet, index })).sort((a, b) => a.ruleSet.version - b.ruleSet.version);
  for (let i = 1; i < ordered.length; i++) {
    const earlier = ordered[i - 1];
    const later = ordered[i];
    if (earlier === undefined || later === undefined) continue;
    const path = `[${later.index}]`;
    if (earlier.ruleSet.version === later.ruleSet.version) {
      problems.push({ path: `${path}.version`, reason: `version ${later.ruleSet.version} appears twice (also at [${earlier.index}])` });
    } else if (later.ruleSet.effectiveFrom <= earlier.ruleSet.effectiveFrom) {
      problems.push({
        path: `${path}.effectiveFrom`,
        reason: `version ${later.ruleSet.version} takes effect ${later.ruleSet.effectiveFrom}, not after version ${earlier.ruleSet.version} (${earlier.ruleSet.effectiveFrom})`,
      });
    }
  }
  return problems;
}

/**
 * The rule set in force at `bookedAtMs`: the latest `effectiveFrom` (00:00 UTC) at or before that
 * instant, the highest version on a tie. Undefined when none had taken effect yet.
 */
export function selectRuleSet<RuleSet extends PostingRuleSet>(ruleSets: readonly RuleSet[], bookedAtMs: number): RuleSet | undefined {
  if (!Number.isFinite(bookedAtMs)) return undefined;
  let chosen: { ruleSet: RuleSet; fromMs: number } | undefined;
  for (const ruleSet of ruleSets) {
    const fromMs = effectiveFromMs(ruleSet.effectiveFrom);
    if (fromMs === undefined || fromMs > bookedAtMs) continue;
    const later = chosen === undefined || fromMs > chosen.fromMs || (fromMs === chosen.fromMs && ruleSet.version > chosen.ruleSet.version);
    if (later) chosen = { ruleSet, fromMs };
  }
  return chosen?.ruleSet;
}

/** The rule mapping `transactionType`, if the set has one. */
export function ruleFor(ruleSet: PostingRuleSet, transactionType: string): PostingRule | undefined {
  return ruleSet.rules.find((rule) => rule.transactionType === transactionType);
}

/** 00:00 UTC of a `YYYY-MM-DD` date, or undefined when the text is not a real calendar date. */
export function effectiveFromMs(date: string): number | undefined {
  const match = ISO_DATE.exec(date);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  const real = back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day;
  return real && year >= 1970 ? ms : undefined;
}
