/**
 * A webhook's body → canonical fields, before any value is judged: JSON or TradingView's key=value
 * text, keys matched case-insensitively against the alias table, unknown and repeated fields
 * reported. The grammar and the aliases are in INTENTS.md.
 */
import { type BracketField, type BracketKind, type IntentProblem } from './intent-schema';

export const INTENT_BODY_CHARS_MAX = 16_384;
export const INTENT_FIELDS_MAX = 64;
const KEY_SYNTAX = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

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

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBracketField(field: PayloadField): field is BracketField {
  return field === 'stop' || field === 'profit';
}

export function shown(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : jsonOrKind(value);
  return text.length <= 40 ? text : `${text.slice(0, 40)}…`;
}

/** JSON.stringify recurses: a value nested a few thousand levels deep (a 16 KB body holds one) overflows the stack. */
function jsonOrKind(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? 'an array nested too deep to show' : 'an object nested too deep to show';
  }
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
