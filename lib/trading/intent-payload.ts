/**
 * A webhook's body → a normalised `TradeIntent`, or every problem with it (never only the first).
 *
 * Two steps: the body is read into canonical fields (JSON or TradingView's key=value text, aliases
 * resolved, unknown and repeated fields reported), then one zod pipeline normalises each field,
 * checks the rules between fields, derives the idempotency key and checks the result against
 * `tradeIntentSchema`. The grammar, the alias table and the key derivation are in INTENTS.md.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normaliseEpic } from '../ledger/instrument-id';
import { canonical, type Decimal, toDecimal } from '../money';

export interface IntentProblem {
  /** The canonical field (`size`, `stop.distance`), `body` for the body as a whole. */
  field: string;
  /** A short rule id such as `required` or `level-for-limit-and-stop`. */
  rule: string;
  reason: string;
}

export const INTENT_BODY_CHARS_MAX = 16_384;
export const INTENT_FIELDS_MAX = 64;
/** Canonical decimal text longer than this is not a size or a price. */
const DECIMAL_CHARS_MAX = 32;
export const DEFAULT_STRATEGY = 'default';

const SOURCE_TEXT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EPIC_TEXT = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;
const KEY_TEXT = /^[A-Za-z0-9._:-]{1,128}$/;
const STRATEGY_TEXT = /^[^\p{C}]{1,64}$/u;
const TOKEN_TEXT = /^[^\s\p{C}]{1,128}$/u;
/** No exponent: "1e9999" would be a million digits of canonical text. */
const PLAIN_DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const KEY_SYNTAX = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const ZONED_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
/** 13 digits: epoch ms from 2001-09-09 on. Ten digits (seconds) are refused, not guessed at. */
const EPOCH_MS_MIN = 1e12;
const EPOCH_MS_MAX = 1e13 - 1;

export type IntentOrderType = 'MARKET' | 'LIMIT' | 'STOP';
export type BracketKind = 'distance' | 'level' | 'amount';
type BracketField = 'stop' | 'profit';

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
interface RuleShape {
  orderType: IntentOrderType;
  level?: string | undefined;
  stop?: IntentBracket | undefined;
  guaranteedStop: boolean;
  trailingStop: boolean;
  goodTillMs?: number | undefined;
}

/** The rules between fields. A rule involving a field that already failed is skipped: its value is unknown. */
function crossFieldProblems(shape: RuleShape, failed: (field: keyof RuleShape) => boolean): IntentProblem[] {
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

// ── Reading the body ────────────────────────────────────────────────────────────────────────

export const PAYLOAD_FIELDS = ['idempotencyKey', 'strategy', 'instrument', 'direction', 'size', 'orderType', 'level', 'stop', 'profit', 'guaranteedStop', 'trailingStop', 'goodTill', 'alertId', 'alertTime'] as const;
export type PayloadField = (typeof PAYLOAD_FIELDS)[number];

/** Keys are compared lower case without `_` and `-`: `order_type`, `orderType` and `ORDERTYPE` are one. */
export const FIELD_ALIASES: Readonly<Record<PayloadField, readonly string[]>> = {
  idempotencyKey: ['idempotencykey', 'id', 'key'],
  strategy: ['strategy'],
  instrument: ['instrument', 'ticker', 'symbol', 'epic'],
  direction: ['direction', 'side', 'action'],
  size: ['size', 'qty', 'quantity', 'contracts'],
  orderType: ['ordertype', 'type'],
  level: ['level', 'price'],
  stop: ['stop', 'sl', 'stoploss'],
  profit: ['profit', 'tp', 'takeprofit'],
  guaranteedStop: ['guaranteedstop', 'guaranteed'],
  trailingStop: ['trailingstop', 'trailing'],
  goodTill: ['goodtill', 'goodtilldate'],
  alertId: ['alertid'],
  alertTime: ['alerttime', 'timenow', 'time'],
};
export const BRACKET_KIND_ALIASES: Readonly<Record<BracketKind, readonly string[]>> = { distance: ['distance'], level: ['level', 'price'], amount: ['amount'] };

interface KeyTarget {
  field: PayloadField;
  kind?: BracketKind;
}

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** Every accepted key spelling (normalised) → its field, and for `sl.level` / `stopLevel` the kind. */
const KEY_TARGETS: ReadonlyMap<string, KeyTarget> = (() => {
  const targets = new Map<string, KeyTarget>();
  for (const field of PAYLOAD_FIELDS) for (const alias of FIELD_ALIASES[field]) targets.set(alias, { field });
  for (const field of ['stop', 'profit'] as const) {
    for (const alias of FIELD_ALIASES[field]) {
      for (const [kind, kindAliases] of Object.entries(BRACKET_KIND_ALIASES) as [BracketKind, readonly string[]][]) {
        for (const kindAlias of kindAliases) {
          targets.set(`${alias}${kindAlias}`, { field, kind });
          targets.set(`${alias}.${kindAlias}`, { field, kind });
        }
      }
    }
  }
  return targets;
})();

const KIND_OF: ReadonlyMap<string, BracketKind> = new Map((Object.entries(BRACKET_KIND_ALIASES) as [BracketKind, readonly string[]][]).flatMap(([kind, aliases]) => aliases.map((alias) => [alias, kind] as const)));

/** The body as canonical fields; a stop or profit is a record of kind → raw value. */
export interface ReadPayload {
  fields: Record<string, unknown>;
  /** The key each field was sent under, for the problems' reasons. */
  givenAs: Map<string, string>;
  problems: IntentProblem[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBracketField(field: PayloadField): field is BracketField {
  return field === 'stop' || field === 'profit';
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length <= 40 ? text : `${text.slice(0, 40)}…`;
}

/** Null and empty text mean "not given" (an empty TradingView placeholder). */
function isAbsent(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function putBracketKind(read: ReadPayload, field: BracketField, kind: BracketKind, value: unknown, key: string): void {
  if (isAbsent(value)) return;
  const existing = read.fields[field];
  if (existing !== undefined && !isPlainObject(existing)) {
    read.problems.push({ field, rule: 'duplicate-field', reason: `given twice (last as '${key}'); send it once` });
    return;
  }
  const record = (existing ?? Object.create(null)) as Record<string, unknown>;
  if (Object.hasOwn(record, kind)) {
    read.problems.push({ field: `${field}.${kind}`, rule: 'duplicate-field', reason: `given twice (last as '${key}'); send it once` });
    return;
  }
  record[kind] = value;
  read.fields[field] = record;
  if (!read.givenAs.has(field)) read.givenAs.set(field, key);
}

function put(read: ReadPayload, key: string, value: unknown): void {
  const target = KEY_TARGETS.get(normaliseKey(key));
  if (target === undefined) {
    read.problems.push({ field: key, rule: 'unknown-field', reason: `not a field of a trade intent (a misspelt one would be silently lost); the fields are ${PAYLOAD_FIELDS.join(', ')}` });
    return;
  }
  const { field, kind } = target;
  if (isBracketField(field)) {
    if (kind !== undefined) return putBracketKind(read, field, kind, value, key);
    if (isPlainObject(value)) {
      for (const [inner, innerValue] of Object.entries(value)) {
        const innerKind = KIND_OF.get(normaliseKey(inner));
        if (innerKind === undefined) read.problems.push({ field: `${field}.${inner}`, rule: 'unknown-field', reason: `a ${field} is one of distance, level or amount` });
        else putBracketKind(read, field, innerKind, innerValue, key);
      }
      return;
    }
    // A bare number is a distance: the form TradingView scripts send (`sl=25`).
    if (typeof value === 'string' || typeof value === 'number') return putBracketKind(read, field, 'distance', value, key);
  }
  if (isAbsent(value)) return;
  if (Object.hasOwn(read.fields, field)) {
    read.problems.push({ field, rule: 'duplicate-field', reason: `given twice ('${read.givenAs.get(field) ?? field}' and '${key}'); send it once` });
    return;
  }
  read.fields[field] = value;
  read.givenAs.set(field, key);
}

/** `key=value` pairs separated by newlines, `&`, `;`, `,` or blanks; values are taken literally. */
function readPairs(text: string, read: ReadPayload): void {
  const tokens = text.split(/[\s&;,]+/).filter((token) => token !== '');
  if (tokens.length > INTENT_FIELDS_MAX) {
    read.problems.push({ field: 'body', rule: 'too-large', reason: `${tokens.length} pairs; at most ${INTENT_FIELDS_MAX}` });
    return;
  }
  for (const token of tokens) {
    const at = token.indexOf('=');
    const key = token.slice(0, at);
    const value = token.slice(at + 1);
    if (at <= 0 || value.includes('=') || !KEY_SYNTAX.test(key)) {
      read.problems.push({ field: 'body', rule: 'syntax', reason: `${shown(token)} is not key=value (pairs are separated by newlines, &, ;, commas or spaces, so a value cannot hold them: send JSON for that)` });
      continue;
    }
    put(read, key, value);
  }
}

function readObject(body: Record<string, unknown>, read: ReadPayload): void {
  const entries = Object.entries(body);
  if (entries.length > INTENT_FIELDS_MAX) {
    read.problems.push({ field: 'body', rule: 'too-large', reason: `${entries.length} fields; at most ${INTENT_FIELDS_MAX}` });
    return;
  }
  for (const [key, value] of entries) put(read, key, value);
}

/** The body (raw text, or an already parsed JSON object) → canonical fields; `undefined` fields when it cannot be read at all. */
export function readIntentPayload(body: unknown): ReadPayload | { fields?: undefined; problems: IntentProblem[] } {
  const read: ReadPayload = { fields: Object.create(null) as Record<string, unknown>, givenAs: new Map(), problems: [] };
  const refuse = (rule: string, reason: string) => ({ problems: [{ field: 'body', rule, reason }] });
  if (isPlainObject(body)) {
    readObject(body, read);
    return read;
  }
  if (typeof body !== 'string') return refuse('json', 'expected a JSON object or key=value text');
  if (body.length > INTENT_BODY_CHARS_MAX) return refuse('too-large', `${body.length} characters; at most ${INTENT_BODY_CHARS_MAX}`);
  const text = body.replace(/^\uFEFF/, '').trim();
  if (text === '') return refuse('required', 'the body is empty');
  if (!text.startsWith('{') && !text.startsWith('[')) {
    readPairs(text, read);
    return read;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return refuse('json', `not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) return refuse('json', 'a JSON body must be an object');
  readObject(parsed, read);
  return read;
}

// ── Normalising the fields ──────────────────────────────────────────────────────────────────

type Report = (rule: string, reason: string, path?: readonly string[]) => void;
type FieldReader<T> = (raw: unknown, report: Report) => T | undefined;

function field<T>(reader: FieldReader<T>, required = false) {
  return z.unknown().transform((raw, ctx): T => {
    let reported = false;
    const report: Report = (rule, reason, path = []) => {
      reported = true;
      ctx.addIssue({ code: 'custom', path: [...path], message: reason, params: { rule } });
    };
    if (raw === undefined && required) report('required', 'missing');
    const value = reported ? undefined : reader(raw, report);
    if (value === undefined || reported) {
      if (!reported) report('invalid', `not understood: ${shown(raw)}`);
      return z.NEVER;
    }
    return value;
  });
}

function readDecimal(raw: unknown, report: Report): string | undefined {
  let amount: Decimal;
  if (typeof raw === 'number' && Number.isFinite(raw)) amount = toDecimal(raw);
  else if (typeof raw === 'string' && raw.length <= 64 && PLAIN_DECIMAL.test(raw.trim())) amount = toDecimal(raw.trim());
  else return void report('decimal', `expected a decimal such as "0.5", got ${shown(raw)}`);
  const text = canonical(amount);
  if (text.length > DECIMAL_CHARS_MAX) return void report('decimal', `more than ${DECIMAL_CHARS_MAX} characters`);
  if (!amount.gt(0)) return void report('positive', `must be above zero, got ${text}`);
  // The broker takes JSON numbers: a decimal a double cannot hold exactly would be sent as another one.
  if (canonical(toDecimal(Number(text))) !== text) return void report('decimal', `${text} has more digits than a JSON number carries exactly`);
  return text;
}

function readText(pattern: RegExp, what: string): FieldReader<string> {
  return (raw, report) => {
    const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : undefined;
    if (text === undefined || !pattern.test(text)) return void report('text', `expected ${what}, got ${shown(raw)}`);
    return text;
  };
}

function readChoice<Value extends string>(table: Readonly<Record<string, Value>>): FieldReader<Value> {
  return (raw, report) => {
    const value = typeof raw === 'string' && Object.hasOwn(table, raw.trim().toLowerCase()) ? table[raw.trim().toLowerCase()] : undefined;
    if (value === undefined) return void report('one-of', `expected one of ${Object.keys(table).join(', ')}, got ${shown(raw)}`);
    return value;
  };
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

function readBoolean(raw: unknown, report: Report): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  const word = typeof raw === 'string' ? raw.trim().toLowerCase() : raw === 1 || raw === 0 ? String(raw) : undefined;
  if (word !== undefined && Object.hasOwn(BOOLEAN_WORDS, word)) return BOOLEAN_WORDS[word];
  return void report('boolean', `expected true or false, got ${shown(raw)}`);
}

/** ISO 8601 with a zone, or epoch milliseconds (13 digits) → epoch ms. */
export function parseZonedTime(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isInteger(raw) && raw >= EPOCH_MS_MIN && raw <= EPOCH_MS_MAX ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (/^\d{13}$/.test(text)) return Number(text);
  const match = ZONED_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offsetH, offsetM] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const localMs = Date.UTC(year, month - 1, day, hour, minute, second, Number((fraction ?? '0').slice(0, 3).padEnd(3, '0')));
  const check = new Date(localMs);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  if (zulu !== undefined) return localMs;
  if (Number(offsetH) > 18 || Number(offsetM) > 59) return undefined;
  const offsetMs = (Number(offsetH) * 60 + Number(offsetM)) * 60_000;
  return sign === '+' ? localMs - offsetMs : localMs + offsetMs;
}

function readTime(raw: unknown, report: Report): number | undefined {
  const ms = parseZonedTime(raw);
  if (ms === undefined) return void report('time', `expected an ISO 8601 time with a zone (2025-03-05T10:00:00Z) or epoch milliseconds, got ${shown(raw)}`);
  return ms;
}

function readBracket(side: BracketField): FieldReader<IntentBracket> {
  return (raw, report) => {
    if (!isPlainObject(raw)) return void report('decimal', `expected a distance, or { distance | level | amount }, got ${shown(raw)}`);
    const kinds = Object.keys(raw) as BracketKind[];
    if (kinds.length !== 1) return void report(`one-${side}-kind`, `give exactly one of ${side}.distance, ${side}.level or ${side}.amount, got ${kinds.join(' and ')}`);
    const kind = kinds[0] as BracketKind;
    const value = readDecimal(raw[kind], (rule, reason) => report(rule, reason, [kind]));
    if (value === undefined) return undefined;
    return { [kind]: value } as IntentBracket;
  };
}

/** Chart symbols → epics: the exact symbol, then case-insensitively, then without an `EXCHANGE:` prefix. */
function epicOf(instrument: string, symbols: Readonly<Record<string, string>>): string {
  const candidates = instrument.includes(':') ? [instrument, instrument.slice(instrument.lastIndexOf(':') + 1)] : [instrument];
  for (const candidate of candidates) {
    if (Object.hasOwn(symbols, candidate)) return symbols[candidate] as string;
    const folded = Object.keys(symbols).find((symbol) => symbol.toUpperCase() === candidate.toUpperCase());
    if (folded !== undefined) return symbols[folded] as string;
  }
  return candidates[candidates.length - 1] as string;
}

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
