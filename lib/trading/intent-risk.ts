/**
 * Our own limits on what a trade intent may place, on top of the broker's dealing rules: a stop,
 * a size per instrument type, the open exposure after the order, the instruments allowed, and
 * whether a live account may be traded at all. Versioned like the governance policy.
 *
 * The policy is checked field by field (`validateIntentRiskPolicy`), and on every `checkRisk`:
 * a misspelt key is refused (it would silently switch a limit off), limits are decimal text (no
 * float reaches a limit), instrument types are upper case.
 */
import { z } from 'zod';
import { normaliseEpic } from '../ledger/instrument-id';
import { canonical, toDecimal } from '../money';
import { type InstrumentType } from './governance';
import { type IntentProblem, type TradeIntent } from './intent-schema';

export interface IntentRiskPolicy {
  /** Goes into every problem's reason. */
  version: string;
  /** A stop (distance, level or amount) on every intent. */
  requireStop: boolean;
  /** Largest size per instrument type, decimal text; an unnamed type has no limit. */
  maxSizeByInstrumentType: Readonly<Partial<Record<InstrumentType, string>>>;
  /** Largest gross exposure, in the account currency, once the order is open; absent = none. */
  maxOpenExposure?: string;
  /** Epics intents may trade; absent = all, empty = none. */
  allowedInstruments?: readonly string[];
  /** Refuse a live account; demo and custom (the simulator, another base URL) are not live. */
  demoOnly: boolean;
}

/** Stops required and live trading refused until someone decides otherwise. */
export const DEFAULT_INTENT_RISK_POLICY: Readonly<IntentRiskPolicy> = Object.freeze({
  version: 'v1',
  requireStop: true,
  maxSizeByInstrumentType: Object.freeze({}),
  demoOnly: true,
});

export const INTENT_RISK_RULE = {
  stopRequired: 'risk.stop-required',
  maxSize: 'risk.max-size',
  maxOpenExposure: 'risk.max-open-exposure',
  instrumentNotAllowed: 'risk.instrument-not-allowed',
  demoOnly: 'risk.demo-only',
} as const;

const ALLOWED_INSTRUMENTS_MAX = 1_000;
const LIMIT_TEXT = /^\d{1,20}(\.\d{1,12})?$/;
const limitText = z.string().refine((value) => LIMIT_TEXT.test(value) && toDecimal(value).gt(0), { error: 'expected decimal text above zero, such as "10" (not a JSON number)' });

export const intentRiskPolicySchema = z.strictObject({
  version: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, { error: 'expected 1–32 of A–Z a–z 0–9 . _ -' }),
  requireStop: z.boolean(),
  maxSizeByInstrumentType: z.record(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, { error: 'expected an upper-case instrument type such as SHARES' }), limitText),
  maxOpenExposure: limitText.optional(),
  allowedInstruments: z.array(z.string().regex(/^[A-Z0-9][A-Z0-9._-]{0,63}$/, { error: 'expected an upper-case epic such as GOLD' })).max(ALLOWED_INSTRUMENTS_MAX).optional(),
  demoOnly: z.boolean(),
});

export class IntentRiskPolicyError extends Error {
  override name = 'IntentRiskPolicyError';
  readonly problems: readonly IntentProblem[];
  constructor(problems: readonly IntentProblem[]) {
    super(`the intent risk policy is invalid: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`);
    this.problems = problems;
  }
}

/** Checks a policy (from the policy file) and names every bad field; throws `IntentRiskPolicyError`. */
export function validateIntentRiskPolicy(policy: unknown): IntentRiskPolicy {
  const result = intentRiskPolicySchema.safeParse(policy);
  if (result.success) return policy as IntentRiskPolicy;
  throw new IntentRiskPolicyError(
    result.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), rule: 'unknown-field', reason: `not a field of the policy; known: ${Object.keys(intentRiskPolicySchema.shape).join(', ')}` }));
      return [{ field: issue.path.map(String).join('.') || 'policy', rule: 'invalid', reason: issue.message }];
    }),
  );
}

export interface IntentRiskContext {
  /** The market's instrument type (`instrument.type`). */
  instrumentType: string;
  environment: 'demo' | 'live' | 'custom';
  /** Gross exposure open now, account currency, decimal text. */
  openGrossExposure: string;
  /** What this order adds to it: size × lot size × price, in the account currency, decimal text. */
  intentNotional: string;
}

/** Every rule of `policy` the intent breaks. The policy is validated first; a bad one throws. */
export function checkRisk(intent: TradeIntent, policy: IntentRiskPolicy, context: IntentRiskContext): IntentProblem[] {
  validateIntentRiskPolicy(policy);
  const problems: IntentProblem[] = [];
  const raise = (field: string, rule: string, reason: string) => problems.push({ field, rule, reason: `${reason} (risk policy ${policy.version})` });
  if (policy.requireStop && intent.stop === undefined) raise('stop', INTENT_RISK_RULE.stopRequired, 'every intent must carry a stop (distance, level or amount)');
  const types = policy.maxSizeByInstrumentType as Readonly<Record<string, string>>;
  const maxSize = Object.hasOwn(types, context.instrumentType) ? types[context.instrumentType] : undefined;
  if (maxSize !== undefined && toDecimal(intent.size).gt(toDecimal(maxSize))) raise('size', INTENT_RISK_RULE.maxSize, `${intent.size} is above the ${context.instrumentType} limit of ${maxSize}`);
  if (policy.maxOpenExposure !== undefined) {
    const after = toDecimal(context.openGrossExposure).abs().plus(toDecimal(context.intentNotional).abs());
    if (after.gt(toDecimal(policy.maxOpenExposure))) raise('size', INTENT_RISK_RULE.maxOpenExposure, `open exposure would be ${canonical(after)} (${canonical(toDecimal(context.openGrossExposure))} open + ${canonical(toDecimal(context.intentNotional).abs())} for this order), above the limit of ${policy.maxOpenExposure}`);
  }
  if (policy.allowedInstruments !== undefined && !policy.allowedInstruments.some((epic) => normaliseEpic(epic) === normaliseEpic(intent.epic))) {
    raise('instrument', INTENT_RISK_RULE.instrumentNotAllowed, `${intent.epic} is not among the allowed instruments`);
  }
  if (policy.demoOnly && context.environment === 'live') raise('environment', INTENT_RISK_RULE.demoOnly, 'the policy allows demo accounts only, and this one is live');
  return problems;
}
