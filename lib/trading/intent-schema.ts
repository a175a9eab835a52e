/**
 * The normalised trade intent: what is stored, checked and placed (`tradeIntentSchema`), its
 * stop and take-profit (`IntentBracket`), the rules between its fields, and the problem shape every
 * intent check reports (`IntentProblem`). Decimals are canonical text.
 */
import { z } from 'zod';
import { canonical, toDecimal } from '../money';

export interface IntentProblem {
  /** The canonical field (`size`, `stop.distance`), `body` for the body as a whole. */
  field: string;
  /** A short rule id such as `required` or `level-for-limit-and-stop`. */
  rule: string;
  reason: string;
}

export const SOURCE_TEXT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const EPIC_TEXT = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;
export const KEY_TEXT = /^[A-Za-z0-9._:-]{1,128}$/;
export const STRATEGY_TEXT = /^[^\p{C}]{1,64}$/u;
export const TOKEN_TEXT = /^[^\s\p{C}]{1,128}$/u;
/** No exponent: "1e9999" would be a million digits of canonical text. */
export const PLAIN_DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export type IntentOrderType = 'MARKET' | 'LIMIT' | 'STOP';
export type BracketKind = 'distance' | 'level' | 'amount';
export type BracketField = 'stop' | 'profit';

function isCanonicalPositive(text: string): boolean {
  if (!PLAIN_DECIMAL.test(text)) return false;
  const amount = toDecimal(text);
  return canonical(amount) === text && amount.gt(0);
}

const positiveDecimalText = z.string().refine(isCanonicalPositive, { error: 'expected canonical decimal text above zero' });
/** A stop or take-profit: exactly one of a distance, a level or an amount (money). */
const bracketSchema = z
  .union([z.strictObject({ distance: positiveDecimalText.optional() }), z.strictObject({ level: positiveDecimalText.optional() }), z.strictObject({ amount: positiveDecimalText.optional() })])
  .refine((bracket) => Object.values(bracket).filter((value) => value !== undefined).length === 1, { error: 'expected exactly one of distance, level or amount' });
export type IntentBracket = z.output<typeof bracketSchema>;

/** The one kind a bracket holds, and its value. */
export function bracketTerm(bracket: IntentBracket): { kind: BracketKind; value: string } {
  for (const kind of ['distance', 'level', 'amount'] as const) {
    const value = (bracket as Partial<Record<BracketKind, string>>)[kind];
    if (value !== undefined) return { kind, value };
  }
  throw new Error('a stop or take-profit without a distance, level or amount');
}

/** What the rules between fields look at; the names are the intent's. */
export interface RuleShape {
  orderType: IntentOrderType;
  level?: string | undefined;
  stop?: IntentBracket | undefined;
  guaranteedStop: boolean;
  trailingStop: boolean;
  goodTillMs?: number | undefined;
}

/** The rules between fields. A rule involving a field that already failed is skipped: its value is unknown. */
export function crossFieldProblems(shape: RuleShape, failed: (field: keyof RuleShape) => boolean): IntentProblem[] {
  const problems: IntentProblem[] = [];
  const ok = (...fields: (keyof RuleShape)[]): boolean => fields.every((field) => !failed(field));
  const { orderType } = shape;
  if (ok('orderType', 'level') && orderType !== 'MARKET' && shape.level === undefined) problems.push({ field: 'level', rule: 'level-for-limit-and-stop', reason: `a ${orderType} order needs a level (its price)` });
  if (ok('orderType', 'level') && orderType === 'MARKET' && shape.level !== undefined) problems.push({ field: 'level', rule: 'level-for-limit-and-stop', reason: 'a MARKET order fills at the market and takes no level; send orderType LIMIT or STOP with it, or leave it out' });
  if (ok('trailingStop', 'guaranteedStop') && shape.trailingStop && shape.guaranteedStop) problems.push({ field: 'trailingStop', rule: 'trailing-with-guaranteed', reason: 'the broker does not allow a trailing stop together with a guaranteed stop' });
  if (ok('trailingStop', 'stop') && shape.trailingStop && !(shape.stop !== undefined && bracketTerm(shape.stop).kind === 'distance')) problems.push({ field: 'stop', rule: 'trailing-needs-distance', reason: 'a trailing stop needs the stop as a distance (stop.distance)' });
  if (ok('guaranteedStop', 'stop') && shape.guaranteedStop && shape.stop === undefined) problems.push({ field: 'stop', rule: 'guaranteed-needs-stop', reason: 'a guaranteed stop needs a stop (distance, level or amount)' });
  if (ok('orderType', 'goodTillMs') && orderType === 'MARKET' && shape.goodTillMs !== undefined) problems.push({ field: 'goodTillMs', rule: 'good-till-for-working-orders', reason: 'a MARKET order fills at once; a good-till time is for LIMIT and STOP orders' });
  return problems;
}

/** A normalised trade intent: what is stored, checked and placed. Decimals are canonical text. */
export const tradeIntentSchema = z
  .strictObject({
    source: z.string().regex(SOURCE_TEXT),
    strategy: z.string().regex(STRATEGY_TEXT),
    /** As the payload named it: an epic or a chart symbol. */
    instrument: z.string().regex(TOKEN_TEXT),
    /** The broker's epic, after the symbol table, upper case. */
    epic: z.string().regex(EPIC_TEXT),
    direction: z.enum(['BUY', 'SELL']),
    size: positiveDecimalText,
    orderType: z.enum(['MARKET', 'LIMIT', 'STOP']),
    level: positiveDecimalText.optional(),
    stop: bracketSchema.optional(),
    profit: bracketSchema.optional(),
    guaranteedStop: z.boolean(),
    trailingStop: z.boolean(),
    /** Whole seconds (the broker's goodTillDate has no milliseconds). */
    goodTillMs: z.number().int().nonnegative().optional(),
    idempotencyKey: z.string().regex(KEY_TEXT),
    alertId: z.string().regex(TOKEN_TEXT).optional(),
    alertTimeMs: z.number().int().nonnegative().optional(),
  })
  .superRefine((intent, ctx) => {
    for (const problem of crossFieldProblems(intent, () => false)) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.reason, params: { rule: problem.rule } });
  });
export type TradeIntent = z.output<typeof tradeIntentSchema>;
