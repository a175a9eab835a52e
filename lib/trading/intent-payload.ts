/**
 * A webhook's body → a normalised `TradeIntent`, or every problem with it (never only the first).
 *
 * Two steps: the body is read into canonical fields (JSON or TradingView's key=value text, aliases
 * resolved, unknown and repeated fields reported: intent-body.ts), then one zod pipeline normalises
 * each field (intent-fields.ts), checks the rules between fields, derives the idempotency key and
 * checks the result against `tradeIntentSchema` (intent-schema.ts). The grammar, the alias table
 * and the key derivation are in INTENTS.md.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normaliseEpic } from '../ledger/instrument-id';
import { PAYLOAD_FIELDS, readIntentPayload } from './intent-body';
import { epicOf, field, type FieldReader, readBoolean, readBracket, readChoice, readDecimal, readText, readTime } from './intent-fields';
import { crossFieldProblems, EPIC_TEXT, type IntentProblem, KEY_TEXT, type RuleShape, SOURCE_TEXT, STRATEGY_TEXT, TOKEN_TEXT, type TradeIntent, tradeIntentSchema } from './intent-schema';

export const DEFAULT_STRATEGY = 'default';

function sha256Hex(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex');
}

/** 32 hex characters (128 bits) of SHA-256. */
const DERIVED_KEY_HEX_CHARS = 32;

/**
 * The key a payload without one gets: from its alert (source, alert id, alert time) when it names
 * one, else from its normalised terms and alert time. Canonical values go in, so "0.50" and "0.5"
 * give one key. Without an alert time there is no key: identical alerts at different times would
 * be one intent, and the second never placed.
 */
function derivedIdempotencyKey(intent: Omit<TradeIntent, 'idempotencyKey'>, alertTimeMs: number): string {
  if (intent.alertId !== undefined) return `a-${sha256Hex(['alert', intent.source, intent.alertId, alertTimeMs]).slice(0, DERIVED_KEY_HEX_CHARS)}`;
  const terms = [intent.source, intent.strategy, intent.epic, intent.direction, intent.size, intent.orderType, intent.level ?? null, intent.stop ?? null, intent.profit ?? null, intent.guaranteedStop, intent.trailingStop, intent.goodTillMs ?? null];
  return `h-${sha256Hex(['intent', ...terms, alertTimeMs]).slice(0, DERIVED_KEY_HEX_CHARS)}`;
}

export interface IntentParseOptions {
  /** The authenticated source's name (never taken from the payload). */
  source: string;
  nowMs: number;
  /** Chart symbol → epic; an instrument not in it is taken as an epic. */
  symbols?: Readonly<Record<string, string>>;
}

/** The payload's canonical fields → a `TradeIntent`, every problem reported as a zod issue with `params.rule`. */
export function intentPayloadSchema(options: IntentParseOptions) {
  const symbols = options.symbols ?? {};
  const readInstrument: FieldReader<{ instrument: string; epic: string }> = (raw, report) => {
    const instrument = readText(TOKEN_TEXT, 'an epic or a chart symbol')(raw, report);
    if (instrument === undefined) return undefined;
    const epic = normaliseEpic(epicOf(instrument, symbols));
    if (!EPIC_TEXT.test(epic)) return void report('epic', `'${instrument}' is not an epic and the symbol table does not map it to one`);
    return { instrument, epic };
  };
  const readGoodTill: FieldReader<number> = (raw, report) => {
    const ms = readTime(raw, report);
    // The broker's goodTillDate has whole seconds.
    return ms === undefined ? undefined : Math.floor(ms / 1000) * 1000;
  };
  return z
    .strictObject({
      idempotencyKey: field(readText(KEY_TEXT, '1–128 of A–Z a–z 0–9 . _ : -')).optional(),
      strategy: field(readText(STRATEGY_TEXT, '1–64 printable characters')).optional(),
      instrument: field(readInstrument, true),
      direction: field(readChoice({ buy: 'BUY', long: 'BUY', sell: 'SELL', short: 'SELL' } as const), true),
      size: field(readDecimal, true),
      orderType: field(readChoice({ market: 'MARKET', limit: 'LIMIT', stop: 'STOP' } as const)).optional(),
      level: field(readDecimal).optional(),
      stop: field(readBracket('stop')).optional(),
      profit: field(readBracket('profit')).optional(),
      guaranteedStop: field(readBoolean).optional(),
      trailingStop: field(readBoolean).optional(),
      goodTill: field(readGoodTill).optional(),
      alertId: field(readText(TOKEN_TEXT, '1–128 characters without blanks')).optional(),
      alertTime: field(readTime).optional(),
    })
    .superRefine(
      (fields, ctx) => {
        const failedFields = new Set(ctx.issues.map((issue) => String(issue.path?.[0] ?? 'body')));
        const failed = (name: string): boolean => failedFields.has(name === 'goodTillMs' ? 'goodTill' : name);
        const shape: RuleShape = { orderType: fields.orderType ?? 'MARKET', level: fields.level, stop: fields.stop, guaranteedStop: fields.guaranteedStop ?? false, trailingStop: fields.trailingStop ?? false, goodTillMs: fields.goodTill };
        const problems = crossFieldProblems(shape, failed).map((problem) => (problem.field === 'goodTillMs' ? { ...problem, field: 'goodTill' } : problem));
        if (!failed('goodTill') && fields.goodTill !== undefined && fields.goodTill <= options.nowMs) problems.push({ field: 'goodTill', rule: 'good-till-in-future', reason: `${new Date(fields.goodTill).toISOString()} is not after the time of receipt ${new Date(options.nowMs).toISOString()}` });
        if (!failed('idempotencyKey') && !failed('alertTime') && fields.idempotencyKey === undefined && fields.alertTime === undefined) {
          problems.push({ field: 'idempotencyKey', rule: 'idempotency-key-or-alert-time', reason: 'give an idempotencyKey (or id/key), or an alertTime so one can be derived: without either, a retried alert could be placed twice' });
        }
        for (const problem of problems) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.reason, params: { rule: problem.rule } });
      },
      { when: () => true },
    )
    .transform((fields) => {
      const intent: Omit<TradeIntent, 'idempotencyKey'> = {
        source: options.source,
        strategy: fields.strategy ?? DEFAULT_STRATEGY,
        instrument: fields.instrument.instrument,
        epic: fields.instrument.epic,
        direction: fields.direction,
        size: fields.size,
        orderType: fields.orderType ?? 'MARKET',
        ...(fields.level !== undefined ? { level: fields.level } : {}),
        ...(fields.stop !== undefined ? { stop: fields.stop } : {}),
        ...(fields.profit !== undefined ? { profit: fields.profit } : {}),
        guaranteedStop: fields.guaranteedStop ?? false,
        trailingStop: fields.trailingStop ?? false,
        ...(fields.goodTill !== undefined ? { goodTillMs: fields.goodTill } : {}),
        ...(fields.alertId !== undefined ? { alertId: fields.alertId } : {}),
        ...(fields.alertTime !== undefined ? { alertTimeMs: fields.alertTime } : {}),
      };
      // The refinement above guarantees a key or an alert time.
      return { ...intent, idempotencyKey: fields.idempotencyKey ?? derivedIdempotencyKey(intent, fields.alertTime as number) };
    })
    .pipe(tradeIntentSchema);
}

function problemsOf(issues: readonly z.core.$ZodIssue[], givenAs: ReadonlyMap<string, string>): IntentProblem[] {
  return issues.flatMap((issue): IntentProblem[] => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: key, rule: 'unknown-field', reason: 'not a field of a trade intent' }));
    const field = issue.path.map(String).join('.') || 'body';
    const rule = issue.code === 'custom' && typeof issue.params?.rule === 'string' ? issue.params.rule : 'invalid';
    const key = givenAs.get(String(issue.path[0]));
    const alias = key !== undefined && key !== issue.path[0] ? ` (sent as '${key}')` : '';
    return [{ field, rule, reason: `${issue.message}${alias}` }];
  });
}

/** Body and unknown fields first, then the fields in `PAYLOAD_FIELDS` order; stable within one field. */
function inFieldOrder(problems: IntentProblem[]): IntentProblem[] {
  const rank = (problem: IntentProblem): number => (PAYLOAD_FIELDS as readonly string[]).indexOf(problem.field.split('.')[0] as string);
  return [...problems].sort((a, b) => rank(a) - rank(b));
}

export type IntentParse = { ok: true; intent: TradeIntent } | { ok: false; problems: IntentProblem[] };

/** A webhook body (JSON or key=value text) → the intent, or every problem found in it. */
export function parseTradeIntent(body: unknown, options: IntentParseOptions): IntentParse {
  if (!SOURCE_TEXT.test(options.source)) throw new Error(`source '${options.source}' is not a source name (RECON_INTENT_SOURCES validates them)`);
  const read = readIntentPayload(body);
  if (read.fields === undefined) return { ok: false, problems: read.problems };
  const result = intentPayloadSchema(options).safeParse(read.fields);
  const problems = [...read.problems, ...(result.success ? [] : problemsOf(result.error.issues, read.givenAs))];
  if (problems.length > 0 || !result.success) return { ok: false, problems: inFieldOrder(problems) };
  return { ok: true, intent: result.data };
}

/** The intent's workflow id, and the `_id` of its stored document: one per source and key. */
export function intentWorkflowId(intent: Pick<TradeIntent, 'source' | 'idempotencyKey'>): string {
  return `intent:${intent.source}:${intent.idempotencyKey}`;
}
