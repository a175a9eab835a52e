/**
 * Seeded generators of malformed input for the bad-input part of the reliability suite
 * (test/reliability/bad-input*.test.ts): broker responses, transaction and activity rows, trade
 * intent webhook deliveries and streaming frames, each derived from a well-formed original
 * (official examples, simulator bodies) by one named defect.
 *
 * Case `i` of a stream depends only on (seed, stream, i): a failing case is replayed from the seed
 * and index its description prints, without the others:
 *
 *   RECON_BAD_INPUT_SEED=<seed> RECON_BAD_INPUT_CASE=<i>[,<j>…] npm test -- test/reliability/bad-input-<part>.test.ts
 */
import { createHash, createHmac } from 'node:crypto';
import type { EndpointName } from '../../lib/capital/schemas';
import type { QuarantineCode } from '../../lib/ledger/normalise';

/** The seed every generator uses unless RECON_BAD_INPUT_SEED names another. */
export const BAD_INPUT_SEED = seedFromEnv();

function seedFromEnv(): number {
  const text = process.env.RECON_BAD_INPUT_SEED;
  if (text === undefined || text === '') return 20_261_124;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`RECON_BAD_INPUT_SEED must be an integer, got '${text}'`);
  return seed;
}

// ---------------------------------------------------------------------------------------------
// Randomness: sfc32, seeded from SHA-256 of (seed, stream, index).

export class CaseRandom {
  private state: [number, number, number, number];

  constructor(seed: number, stream: string, index: number) {
    const digest = createHash('sha256').update(`${seed}:${stream}:${index}`).digest();
    this.state = [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
  }

  /** [0, 1). */
  next(): number {
    let [a, b, c, d] = this.state;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.state = [a, b, c, d];
    return (t >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

export function caseRandom(stream: string, index: number, seed = BAD_INPUT_SEED): CaseRandom {
  return new CaseRandom(seed, stream, index);
}

/**
 * The kind of case `index` is: the first cases take every kind once, in order (so even a small run
 * covers them all), the rest are drawn by weight.
 */
function kindOf<Kind extends string>(index: number, random: CaseRandom, weights: Readonly<Record<Kind, number>>): Kind {
  const kinds = Object.keys(weights) as Kind[];
  if (index < kinds.length) return kinds[index] as Kind;
  const total = kinds.reduce((sum, kind) => sum + weights[kind], 0);
  let roll = random.next() * total;
  for (const kind of kinds) {
    roll -= weights[kind];
    if (roll < 0) return kind;
  }
  return kinds[kinds.length - 1] as Kind;
}

// ---------------------------------------------------------------------------------------------
// JSON paths and edits (edits copy; the originals are shared by every case).

export type JsonPath = Array<string | number>;

export function pathText(path: readonly (string | number)[]): string {
  return path.map(String).join('.');
}

/** Every node below the root with its path, depth first. */
export function nodePaths(value: unknown, path: JsonPath = []): Array<{ path: JsonPath; value: unknown }> {
  const found: Array<{ path: JsonPath; value: unknown }> = [];
  if (typeof value !== 'object' || value === null) return found;
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value);
  for (const [key, child] of entries) {
    const childPath = [...path, key];
    found.push({ path: childPath, value: child }, ...nodePaths(child, childPath));
  }
  return found;
}

export function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/** A copy with the value at `path` replaced (`undefined` removes an object key). */
export function withValueAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = cloneJson(value);
  const parent = valueAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1] as string | number;
  if (replacement === undefined && !Array.isArray(parent)) delete parent[key];
  else parent[key] = replacement;
  return copy;
}

/** `[[[…]]]`, `depth` arrays deep, as a `rawLiteral` (JSON.stringify itself recurses, so deep values are written as text). */
export function deepArrays(depth: number): string {
  return rawLiteral(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

/** `{ a: { a: … leaf } }`, `depth` objects deep, built without recursion (keep `depth` in the hundreds: JSON.stringify recurses). */
export function deeplyNested(depth: number, leaf: unknown = 1): unknown {
  let node = leaf;
  for (let i = 0; i < depth; i++) node = { a: node };
  return node;
}

/** Stands for a JSON literal JSON.stringify cannot write (1e999, a 500-digit number): see `serialise`. */
export function rawLiteral(text: string): string {
  return `\u0000raw:${text}\u0000`;
}

/** JSON text with every `rawLiteral` written as the literal itself. */
export function serialise(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000raw:([^"\\]*)\\u0000"/g, '$1');
}

/** Byte sequences that are not UTF-8: a lone continuation byte, an overlong NUL, a UTF-16 surrogate, a cut-off sequence, 0xFF. */
export const INVALID_UTF8: readonly Buffer[] = [
  Buffer.from([0x80]),
  Buffer.from([0xc0, 0x80]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xff]),
  Buffer.from([0xfe, 0xff]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];

/** The text's bytes with an invalid sequence inside its first string value (or at `at` when it has none). */
function withInvalidUtf8(text: string, random: CaseRandom): { bytes: Buffer; where: string } {
  const bad = random.pick(INVALID_UTF8);
  const strings = [...text.matchAll(/"(?:[^"\\]|\\.)+"/g)].filter((m) => m[0].length > 2);
  const target = strings.length > 0 ? random.pick(strings) : undefined;
  const at = target ? (target.index as number) + 1 + random.int(target[0].length - 2) : random.int(text.length + 1);
  const before = Buffer.from(text.slice(0, at), 'utf8');
  const after = Buffer.from(text.slice(at), 'utf8');
  return { bytes: Buffer.concat([before, bad, after]), where: `bytes ${bad.toString('hex')} at char ${at}${target ? ` inside ${target[0].slice(0, 24)}` : ''}` };
}

/** A strict prefix of the text (at least one character, never all). */
function truncated(text: string, random: CaseRandom): { text: string; at: number } {
  const at = text.length <= 2 ? 1 : random.between(1, text.length - 1);
  return { text: text.slice(0, at), at };
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 32 ? `string(${value.length} chars)` : JSON.stringify(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 32 ? `${text.slice(0, 32)}…(${text.length} chars)` : text;
}

/** A value of another JSON type than `original`. */
function otherType(original: unknown, random: CaseRandom): unknown {
  const candidates: unknown[] = [42, -1.5, true, false, 'text', '', {}, [], [1, 'two'], { nested: { x: 1 } }];
  const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  return random.pick(candidates.filter((c) => typeOf(c) !== typeOf(original)));
}

// ---------------------------------------------------------------------------------------------
// Broker responses.

/** A well-formed body the client parses for `endpoint`, called with `args`. */
export interface ResponseBase {
  name: string;
  endpoint: EndpointName;
  body: unknown;
  params?: Record<string, string>;
  query?: Record<string, string>;
}

export type ResponseWire =
  | { kind: 'answer'; status: number; headers: Record<string, string>; body: Buffer }
  /** Accepts the request and never answers. */
  | { kind: 'no-answer' }
  /** Sends the status and the first bytes, then nothing. */
  | { kind: 'stalled-body'; status: number; bodyStart: Buffer }
  /** Redirects to itself. */
  | { kind: 'redirect-loop'; status: number };

export type ResponseExpectation =
  /** Must parse. */
  | { outcome: 'parse' }
  /** One JSON value was changed at `path`: parses (with `kept` at `path` when given) or a response error naming `path`. */
  | { outcome: 'parse-or-response-error'; path: JsonPath; kept?: unknown }
  /** A response error; naming `path` (a prefix of it or below it) when given. */
  | { outcome: 'response-error'; path?: JsonPath }
  | { outcome: 'parse-or-typed-error' }
  | { outcome: 'unavailable'; problem: RegExp }
  | { outcome: 'request-error'; status: number }
  | { outcome: 'auth-error' };

export interface BrokerResponseCase {
  index: number;
  description: string;
  base: ResponseBase;
  wire: ResponseWire;
  expect: ResponseExpectation;
}

const RESPONSE_KINDS = {
  'wrong-type': 14,
  missing: 10,
  null: 8,
  'huge-number': 8,
  'huge-string': 3,
  'unknown-enum': 10,
  'extra-field': 6,
  'deep-nesting': 3,
  'wrong-root': 3,
  truncated: 8,
  'invalid-utf8': 6,
  'empty-body': 3,
  'html-body': 2,
  'content-type': 3,
  'error-status': 8,
  'server-status': 4,
  'redirect-loop': 1,
  'no-answer': 0.3,
  'stalled-body': 0.3,
} as const;
export type ResponseKind = keyof typeof RESPONSE_KINDS;
export const RESPONSE_CASE_KINDS = Object.keys(RESPONSE_KINDS) as ResponseKind[];

/** Fields whose values are enum-like words (open or closed enums of the schemas). */
const ENUM_KEYS = new Set(['transactionType', 'status', 'source', 'type', 'marketStatus', 'instrumentType', 'dealStatus', 'direction', 'orderType', 'timeInForce', 'unit', 'reason', 'rejectReason', 'marketOrderPreference', 'trailingStopsPreference', 'accountType', 'resolution', 'priceType']);

const HUGE_NUMBERS: readonly unknown[] = [
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER * 4,
  rawLiteral('1e999'),
  rawLiteral('-1e999'),
  rawLiteral(`1${'0'.repeat(500)}`),
  '1e999999999',
  '-1e-999999999',
  '1e400000',
  `9${'9'.repeat(1_000)}`,
  `0.${'0'.repeat(600)}1`,
];

const headersJson = { 'Content-Type': 'application/json' };

function answer(body: string | Buffer, status = 200, headers: Record<string, string> = headersJson): ResponseWire {
  return { kind: 'answer', status, headers, body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body };
}

/** Case `index` of the broker-response stream: one base body (or call) with one defect. */
export function brokerResponseCase(index: number, bases: readonly ResponseBase[], seed = BAD_INPUT_SEED): BrokerResponseCase {
  const random = caseRandom('broker-response', index, seed);
  const kind = kindOf(index, random, RESPONSE_KINDS);
  const base = random.pick(bases);
  const text = serialise(base.body);
  const made = (detail: string, wire: ResponseWire, expect: ResponseExpectation): BrokerResponseCase => ({
    index,
    description: `broker-response seed=${seed} case=${index} kind=${kind} base=${base.name} (${base.endpoint}) ${detail}`,
    base,
    wire,
    expect,
  });
  const nodes = nodePaths(base.body);
  const pickNode = (filter: (node: { path: JsonPath; value: unknown }) => boolean) => {
    const matching = nodes.filter(filter);
    return matching.length > 0 ? random.pick(matching) : undefined;
  };
  const jsonEdit = (detail: string, path: JsonPath, replacement: unknown, kept?: unknown) =>
    made(`${detail} at '${pathText(path)}'`, answer(serialise(withValueAt(base.body, path, replacement))), { outcome: 'parse-or-response-error', path, ...(kept === undefined ? {} : { kept }) });

  switch (kind) {
    case 'wrong-type': {
      const node = pickNode(() => true) ?? { path: ['x'], value: undefined };
      const replacement = otherType(node.value, random);
      return jsonEdit(`${describeValue(node.value)} → ${describeValue(replacement)}`, node.path, replacement);
    }
    case 'missing': {
      const node = pickNode(({ path }) => typeof path[path.length - 1] === 'string');
      if (!node) return made('no field to remove: the root is emptied', answer('{}'), { outcome: 'parse-or-typed-error' });
      return jsonEdit('field removed', node.path, undefined);
    }
    case 'null': {
      const node = pickNode(() => true) ?? { path: ['x'], value: undefined };
      return jsonEdit(`${describeValue(node.value)} → null`, node.path, null);
    }
    case 'huge-number': {
      const node = pickNode(({ value }) => typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) ?? pickNode(() => true) ?? { path: ['x'], value: undefined };
      const replacement = random.pick(HUGE_NUMBERS);
      return jsonEdit(`${describeValue(node.value)} → ${describeValue(replacement)}`, node.path, replacement);
    }
    case 'huge-string': {
      const node = pickNode(({ value }) => typeof value === 'string') ?? { path: ['x'], value: undefined };
      const replacement = random.pick(['x', 'é', '界', '🙂']).repeat(random.pick([10_000, 100_000]));
      return jsonEdit(`${describeValue(node.value)} → ${describeValue(replacement)}`, node.path, replacement, replacement);
    }
    case 'unknown-enum': {
      const node = pickNode(({ path, value }) => typeof value === 'string' && ENUM_KEYS.has(String(path[path.length - 1])));
      const path = node?.path ?? ['status'];
      const replacement = `BRAND_NEW_${random.pick(['VALUE', 'TYPE', 'STATUS', 'KIND'])}_${random.int(1000)}`;
      return jsonEdit(`${describeValue(node?.value)} → ${describeValue(replacement)}`, path, replacement, replacement);
    }
    case 'extra-field': {
      const objects = nodes.filter(({ value }) => typeof value === 'object' && value !== null && !Array.isArray(value)).map(({ path }) => path);
      const path = [...(objects.length > 0 && random.chance(0.8) ? random.pick(objects) : []), `brandNewField${random.int(100)}`];
      const extra = random.pick<unknown>([1, 'new', null, { a: [1, 2] }, [{ b: 'c' }], true]);
      return made(`unknown field '${pathText(path)}' = ${describeValue(extra)}`, answer(serialise(withValueAt(base.body, path, extra))), { outcome: 'parse' });
    }
    case 'deep-nesting': {
      const objects = nodes.filter(({ value }) => typeof value === 'object' && value !== null && !Array.isArray(value)).map(({ path }) => path);
      const path = [...(objects.length > 0 ? random.pick(objects) : []), 'deep'];
      const depth = random.pick([40, 100, 1_000, 50_000]);
      const nested = depth <= 100 ? deeplyNested(depth) : deepArrays(depth);
      return made(`field '${pathText(path)}' nested ${depth} levels`, answer(serialise(withValueAt(base.body, path, nested))), { outcome: 'response-error', path });
    }
    case 'wrong-root': {
      const root = random.pick(['[]', 'null', '42', '"text"', 'true', '[{"a":1}]']);
      return made(`body ${root}`, answer(root), { outcome: 'response-error', path: [] });
    }
    case 'truncated': {
      const cut = truncated(text, random);
      return made(`cut after ${cut.at} of ${text.length} chars`, answer(cut.text), { outcome: 'unavailable', problem: /malformed JSON/ });
    }
    case 'invalid-utf8': {
      const { bytes, where } = withInvalidUtf8(text, random);
      return made(where, answer(bytes), { outcome: 'unavailable', problem: /not UTF-8/ });
    }
    case 'empty-body': {
      const body = random.pick(['', ' ', '\n', '\r\n\t']);
      return made(`body ${JSON.stringify(body)}`, answer(body), { outcome: 'parse-or-typed-error' });
    }
    case 'html-body': {
      const body = random.pick(['<html><body>502 Bad Gateway</body></html>', 'OK', 'null,', '{"a":', ')]}\'\n{}']);
      return made(`body ${JSON.stringify(body)}`, answer(body, 200, { 'Content-Type': 'text/html' }), { outcome: 'unavailable', problem: /malformed JSON/ });
    }
    case 'content-type': {
      const type = random.pick(['text/html', 'text/plain; charset=iso-8859-1', 'application/xml', 'application/octet-stream', '']);
      return made(`content-type '${type}' over a good body`, answer(text, 200, type ? { 'Content-Type': type } : {}), { outcome: 'parse' });
    }
    case 'error-status': {
      const status = random.pick([400, 401, 403, 404, 405, 409, 410, 413, 415, 418, 422, 451]);
      const body = random.pick<string | Buffer>(['{"errorCode":"error.invalid.request"}', '{"errorCode":"error.not-found.dealId"}', '', '<html>nope</html>', '{"errorCode":42}', '{"errorCode":"error.invalid.stoploss.minvalue: 17.146"}', Buffer.from([0x7b, 0xff, 0x7d]), `{"errorCode":"${'x'.repeat(50_000)}"}`]);
      const expect: ResponseExpectation = status === 401 ? { outcome: 'auth-error' } : { outcome: 'request-error', status };
      return made(`status ${status} with body ${describeValue(Buffer.isBuffer(body) ? `bytes ${body.toString('hex')}` : body)}`, answer(body, status), expect);
    }
    case 'server-status': {
      const status = random.pick([429, 500, 502, 503, 504]);
      const body = random.pick(['{"errorCode":"error.too-many.requests"}', '', '<html>down</html>', '{"errorCode":"java.util.concurrent.TimeoutException"}']);
      return made(`status ${status} with body ${describeValue(body)}`, answer(body, status), { outcome: 'unavailable', problem: new RegExp(`${status}`) });
    }
    case 'redirect-loop': {
      const status = random.pick([301, 302, 307, 308]);
      return made(`status ${status} redirecting to itself`, { kind: 'redirect-loop', status }, { outcome: 'unavailable', problem: /network/ });
    }
    case 'no-answer':
      return made('the broker never answers', { kind: 'no-answer' }, { outcome: 'unavailable', problem: /timed out/ });
    case 'stalled-body': {
      const cut = truncated(text, random);
      return made(`the body stops after ${cut.at} chars`, { kind: 'stalled-body', status: 200, bodyStart: Buffer.from(cut.text) }, { outcome: 'unavailable', problem: /timed out/ });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Transaction and activity rows.

/** What must become of one row: kept as a record, quarantined with a code, or refused by the parser (naming `field` of the row). */
export type RowVerdict =
  | { verdict: 'accept'; known?: boolean }
  | { verdict: 'quarantine'; code: QuarantineCode }
  | { verdict: 'reject'; field: string };

export interface PlannedRow {
  /** The row as sent; carries `badInputRow` = its number in the page, to find it again after parsing. */
  row: unknown;
  defect: string;
  expect: RowVerdict;
}

export interface RowPageCase {
  index: number;
  description: string;
  rows: PlannedRow[];
}

export const ROW_MARKER = 'badInputRow';
const TIME_IN_WINDOW_MARGIN_MS = 1_000;

function brokerText(ms: number, fractionDigits = 3): string {
  const iso = new Date(ms).toISOString();
  const millis = iso.slice(20, 23);
  return `${iso.slice(0, 19)}${fractionDigits === 0 ? '' : `.${millis.padEnd(fractionDigits, String((ms % 7) + 1)).slice(0, fractionDigits)}`}`;
}

/** Times the schema's pattern lets through but no calendar has. */
const IMPOSSIBLE_DATES = ['2025-02-30T10:00:00.000', '2023-02-29T00:00:00', '2025-04-31T12:00:00.5'];
const BAD_TIMESTAMPS = ['2025-13-01T00:00:00', '2025-03-04T24:00:00', '2025-03-04T10:00:00Z', '2025-03-04', 'yesterday', '', '2025-03-04T10:00:00.1234567891', '2025-03-04 10:00:00', '0000-00-00T00:00:00'];
const BAD_DECIMALS = ['12,50', 'abc', '', ' ', 'NaN', 'Infinity', '-Infinity', '0x1A', '1e999999999', '-1e-999999999', `9${'9'.repeat(600)}`, '--1', '1.2.3', '+-1', '١٢٣'];

const TRANSACTION_ROW_KINDS = {
  good: 30,
  'unknown-type': 6,
  'legacy-type': 2,
  'dateUTC-spelling': 3,
  'nanosecond-fraction': 3,
  'extra-fields': 3,
  'number-size': 3,
  'long-but-exact-size': 2,
  'huge-note': 1,
  'unknown-status': 2,
  'missing-optional': 3,
  'empty-reference': 4,
  'empty-type': 3,
  'bad-currency': 4,
  'amount-scale': 4,
  'wrong-type': 8,
  'missing-required': 6,
  'bad-decimal': 6,
  'bad-timestamp': 6,
  'impossible-date': 3,
  'deep-nesting': 1,
  'not-an-object': 2,
} as const;
export const TRANSACTION_ROW_DEFECTS = Object.keys(TRANSACTION_ROW_KINDS) as Array<keyof typeof TRANSACTION_ROW_KINDS>;

/**
 * Case `index` of the transaction-page stream: a `/history/transactions` page of 1–6 rows, each
 * well-formed or with one defect, every row's time inside `window` (so any row missing from the
 * client's answer was dropped, not filtered).
 */
export function transactionPageCase(index: number, templates: readonly Record<string, unknown>[], window: { fromMs: number; toMs: number }, seed = BAD_INPUT_SEED): RowPageCase {
  const random = caseRandom('transaction-page', index, seed);
  const count = random.between(1, 6);
  const rows: PlannedRow[] = [];
  for (let k = 0; k < count; k++) {
    // The first rows of the first cases take every defect once.
    const kind = kindOf(index * 6 + k < TRANSACTION_ROW_DEFECTS.length ? index * 6 + k : TRANSACTION_ROW_DEFECTS.length + index * 6 + k, random, TRANSACTION_ROW_KINDS);
    rows.push(transactionRow(k, kind, random, templates, window));
  }
  return { index, description: `transaction-page seed=${seed} case=${index} rows=[${rows.map((r, k) => `${k}:${r.defect}`).join(', ')}]`, rows };
}

function transactionRow(k: number, kind: keyof typeof TRANSACTION_ROW_KINDS, random: CaseRandom, templates: readonly Record<string, unknown>[], window: { fromMs: number; toMs: number }): PlannedRow {
  const atMs = random.between(window.fromMs + TIME_IN_WINDOW_MARGIN_MS, window.toMs - TIME_IN_WINDOW_MARGIN_MS);
  const template = random.pick(templates);
  const row: Record<string, unknown> = {
    ...structuredClone(template),
    date: brokerText(atMs + 2 * 3_600_000),
    dateUtc: brokerText(atMs),
    reference: `R${random.int(1e9)}`,
    [ROW_MARKER]: k,
  };
  delete row.dateUTC;
  const plan = (defect: string, expect: RowVerdict): PlannedRow => ({ row, defect: `${kind}${defect ? `(${defect})` : ''}`, expect });
  const requiredFields = ['date', 'transactionType', 'note', 'reference', 'size', 'currency'];
  const textFields = ['date', 'dateUtc', 'transactionType', 'note', 'reference', 'currency', 'instrumentName', 'status', 'dealId'];
  switch (kind) {
    case 'good':
      return plan('', { verdict: 'accept', known: true });
    case 'unknown-type':
      row.transactionType = `BRAND_NEW_TYPE_${random.int(100)}`;
      return plan(String(row.transactionType), { verdict: 'accept', known: false });
    case 'legacy-type':
      row.transactionType = random.pick(['CONVERT', 'REIMBURSEMENT', 'DIVIDEND', 'ACCOUNT_CLOSURE']);
      return plan(String(row.transactionType), { verdict: 'accept', known: true });
    case 'dateUTC-spelling':
      row.dateUTC = row.dateUtc;
      delete row.dateUtc;
      return plan('', { verdict: 'accept', known: true });
    case 'nanosecond-fraction':
      row.dateUtc = brokerText(atMs, random.between(4, 9));
      return plan(String(row.dateUtc), { verdict: 'accept', known: true });
    case 'extra-fields':
      row.brandNewField = random.pick<unknown>([{ nested: { deeper: [1, 2] } }, 'x', 17, null]);
      return plan('', { verdict: 'accept', known: true });
    case 'number-size':
      row.currency = 'USD';
      row.size = random.pick([12.5, -80.43, 0, 416, -0.01, 1e21]);
      return plan(String(row.size), { verdict: 'accept', known: true });
    case 'long-but-exact-size':
      row.currency = 'USD';
      row.size = random.pick(['123456789012345678901234567890.12', '-0.01', '+5', '000123.40', '1E3', '7.']);
      return plan(String(row.size), { verdict: 'accept', known: true });
    case 'huge-note':
      row.note = 'n'.repeat(random.pick([10_000, 200_000]));
      return plan(`${(row.note as string).length} chars`, { verdict: 'accept', known: true });
    case 'unknown-status':
      row.status = `BRAND_NEW_STATUS_${random.int(10)}`;
      return plan(String(row.status), { verdict: 'accept', known: true });
    case 'missing-optional': {
      const field = random.pick(['instrumentName', 'status', 'dealId']);
      delete row[field];
      return plan(field, { verdict: 'accept', known: true });
    }
    case 'empty-reference':
      row.reference = random.pick(['', ' ', '\t\n']);
      return plan(JSON.stringify(row.reference), { verdict: 'quarantine', code: 'missing-reference' });
    case 'empty-type':
      row.transactionType = random.pick(['', '   ']);
      return plan(JSON.stringify(row.transactionType), { verdict: 'quarantine', code: 'missing-transaction-type' });
    case 'bad-currency':
      row.currency = random.pick(['usd', 'US', 'DOLLAR', '', '€', 'USDD', 'U$D', ' USD']);
      return plan(JSON.stringify(row.currency), { verdict: 'quarantine', code: 'bad-currency' });
    case 'amount-scale': {
      const [currency, size] = random.pick([['USD', '1.005'], ['USDd', '-0.001'], ['JPY', '10.5'], ['KWD', '0.0001'], ['EUR', '12.345']] as const);
      row.currency = currency;
      row.size = size;
      return plan(`${size} ${currency}`, { verdict: 'quarantine', code: 'amount-scale' });
    }
    case 'wrong-type': {
      const field = random.pick([...textFields, 'size']);
      const value = field === 'size' ? random.pick<unknown>([true, {}, [], null, ['1']]) : random.pick<unknown>([42, true, {}, [], null, ['x']]);
      row[field] = value;
      return plan(`${field}=${describeValue(value)}`, { verdict: 'reject', field });
    }
    case 'missing-required': {
      const field = random.pick([...requiredFields, 'dateUtc']);
      delete row[field];
      return plan(field, { verdict: 'reject', field });
    }
    case 'bad-decimal':
      row.size = random.pick(BAD_DECIMALS);
      return plan(describeValue(row.size), { verdict: 'reject', field: 'size' });
    case 'bad-timestamp': {
      const field = random.pick(['date', 'dateUtc', 'dateUTC']);
      if (field === 'dateUTC') delete row.dateUtc;
      row[field] = random.pick(BAD_TIMESTAMPS);
      return plan(`${field}=${describeValue(row[field])}`, { verdict: 'reject', field });
    }
    case 'impossible-date': {
      // The UTC date is the record's time: no calendar time, so quarantined. The local one is only kept.
      const field = random.pick(['date', 'dateUtc', 'dateUTC']);
      if (field === 'dateUTC') delete row.dateUtc;
      row[field] = random.pick(IMPOSSIBLE_DATES);
      return plan(`${field}=${describeValue(row[field])}`, field === 'date' ? { verdict: 'accept', known: true } : { verdict: 'quarantine', code: 'bad-date' });
    }
    case 'deep-nesting':
      row.deep = deeplyNested(random.pick([40, 500]));
      return plan('', { verdict: 'reject', field: 'deep' });
    case 'not-an-object': {
      const value = random.pick<unknown>(['row', 42, null, [], true]);
      return { row: value, defect: `${kind}(${describeValue(value)})`, expect: { verdict: 'reject', field: '' } };
    }
  }
}

const ACTIVITY_ROW_KINDS = {
  good: 30,
  'unknown-source': 4,
  'unknown-status': 4,
  'unknown-type': 4,
  'dateUtc-spelling': 3,
  'nanosecond-fraction': 3,
  'extra-fields': 3,
  'details-extra': 2,
  'wrong-type': 10,
  'missing-required': 8,
  'bad-timestamp': 6,
  'impossible-date': 3,
  'details-direction': 3,
  'details-bad-decimal': 3,
  'deep-nesting': 1,
  'not-an-object': 2,
} as const;
export const ACTIVITY_ROW_DEFECTS = Object.keys(ACTIVITY_ROW_KINDS) as Array<keyof typeof ACTIVITY_ROW_KINDS>;

/** Case `index` of the activity-page stream: a `/history/activity` page of 1–6 POSITION rows (the feed ingest reads). */
export function activityPageCase(index: number, templates: readonly Record<string, unknown>[], window: { fromMs: number; toMs: number }, seed = BAD_INPUT_SEED): RowPageCase {
  const random = caseRandom('activity-page', index, seed);
  const count = random.between(1, 6);
  const rows: PlannedRow[] = [];
  for (let k = 0; k < count; k++) {
    const slot = index * 6 + k;
    const kind = kindOf(slot < ACTIVITY_ROW_DEFECTS.length ? slot : ACTIVITY_ROW_DEFECTS.length + slot, random, ACTIVITY_ROW_KINDS);
    rows.push(activityRow(k, kind, random, templates, window));
  }
  return { index, description: `activity-page seed=${seed} case=${index} rows=[${rows.map((r, k) => `${k}:${r.defect}`).join(', ')}]`, rows };
}

function activityRow(k: number, kind: keyof typeof ACTIVITY_ROW_KINDS, random: CaseRandom, templates: readonly Record<string, unknown>[], window: { fromMs: number; toMs: number }): PlannedRow {
  const atMs = random.between(window.fromMs + TIME_IN_WINDOW_MARGIN_MS, window.toMs - TIME_IN_WINDOW_MARGIN_MS);
  const row: Record<string, unknown> = { ...structuredClone(random.pick(templates)), date: brokerText(atMs + 3_600_000), dateUTC: brokerText(atMs), type: 'POSITION', [ROW_MARKER]: k };
  delete row.dateUtc;
  const details = () => {
    if (typeof row.details !== 'object' || row.details === null) row.details = { dealReference: `p_${random.int(1e6)}`, size: 1, direction: 'BUY', level: 100.5 };
    return row.details as Record<string, unknown>;
  };
  const plan = (defect: string, expect: RowVerdict): PlannedRow => ({ row, defect: `${kind}${defect ? `(${defect})` : ''}`, expect });
  switch (kind) {
    case 'good':
      return plan('', { verdict: 'accept' });
    case 'unknown-source':
      row.source = `NEW_SOURCE_${random.int(10)}`;
      return plan(String(row.source), { verdict: 'accept' });
    case 'unknown-status':
      row.status = `NEW_STATUS_${random.int(10)}`;
      return plan(String(row.status), { verdict: 'accept' });
    case 'unknown-type':
      row.type = `NEW_TYPE_${random.int(10)}`;
      return plan(String(row.type), { verdict: 'accept' });
    case 'dateUtc-spelling':
      row.dateUtc = row.dateUTC;
      delete row.dateUTC;
      return plan('', { verdict: 'accept' });
    case 'nanosecond-fraction':
      row.dateUTC = brokerText(atMs, random.between(4, 9));
      return plan(String(row.dateUTC), { verdict: 'accept' });
    case 'extra-fields':
      row.brandNewField = { any: ['thing', 1] };
      return plan('', { verdict: 'accept' });
    case 'details-extra':
      details().brandNewDetail = 'x';
      return plan('', { verdict: 'accept' });
    case 'wrong-type': {
      const field = random.pick(['date', 'dateUTC', 'epic', 'dealId', 'source', 'type', 'status', 'details']);
      const value = random.pick<unknown>(field === 'details' ? ['text', 42, [], true] : [42, true, {}, [], null]);
      row[field] = value;
      return plan(`${field}=${describeValue(value)}`, { verdict: 'reject', field });
    }
    case 'missing-required': {
      const field = random.pick(['date', 'epic', 'dealId', 'source', 'type', 'status', 'dateUTC']);
      delete row[field];
      return plan(field, { verdict: 'reject', field: field === 'dateUTC' ? 'dateUtc' : field });
    }
    case 'bad-timestamp': {
      const field = random.pick(['date', 'dateUTC']);
      row[field] = random.pick(BAD_TIMESTAMPS);
      return plan(`${field}=${describeValue(row[field])}`, { verdict: 'reject', field });
    }
    case 'impossible-date': {
      // No window can hold the row: the client refuses the page naming it. The local date is only kept.
      const field = random.pick(['date', 'dateUTC']);
      row[field] = random.pick(IMPOSSIBLE_DATES);
      return plan(`${field}=${describeValue(row[field])}`, field === 'date' ? { verdict: 'accept' } : { verdict: 'reject', field: 'dateUtc' });
    }
    case 'details-direction':
      details().direction = random.pick(['HOLD', 'buy', 'LONG', '', 'SELL ']);
      return plan(String(details().direction), { verdict: 'reject', field: 'details.direction' });
    case 'details-bad-decimal':
      details().level = random.pick(BAD_DECIMALS);
      return plan(describeValue(details().level), { verdict: 'reject', field: 'details.level' });
    case 'deep-nesting':
      row.deep = deeplyNested(random.pick([40, 500]));
      return plan('', { verdict: 'reject', field: 'deep' });
    case 'not-an-object': {
      const value = random.pick<unknown>(['row', 42, null, [], true]);
      return { row: value, defect: `${kind}(${describeValue(value)})`, expect: { verdict: 'reject', field: '' } };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Trade-intent webhook deliveries.

export interface WebhookContext {
  hmacSource: string;
  hmacSecret: string;
  tokenSource: string;
  token: string;
  /** The time the delivery is signed at. */
  nowMs: number;
  /** An epic the broker trades, and one it does not know. */
  epic: string;
  unknownEpic: string;
}

export interface WebhookCase {
  index: number;
  description: string;
  url: string;
  headers: Record<string, string>;
  payload: Buffer;
  /** The exact status the delivery must get (every one a 4xx). */
  status: number;
  /** Its answer depends on the broker (market lookup, dealing rules, risk): slower, so rarer. */
  needsBroker: boolean;
  /** A second, identical delivery (a replay) and the status it must get. */
  replayStatus?: number;
}

const WEBHOOK_KINDS = {
  'wrong-type': 14,
  'missing-field': 8,
  'huge-value': 8,
  'unknown-enum': 8,
  'unknown-field': 4,
  'invalid-utf8': 8,
  'truncated-json': 8,
  'not-an-object': 3,
  'empty-body': 2,
  'text-syntax': 6,
  'text-defect': 6,
  'too-many-fields': 1,
  'oversized-parse': 2,
  'oversized-transport': 1,
  'cross-field': 6,
  'deep-nesting': 2,
  'proto-keys': 2,
  'bad-signature': 8,
  'bad-token': 5,
  replayed: 1,
  'unknown-epic': 0.5,
  'broker-rules': 0.5,
} as const;
export type WebhookKind = keyof typeof WEBHOOK_KINDS;
export const WEBHOOK_CASE_KINDS = Object.keys(WEBHOOK_KINDS) as WebhookKind[];

/** A delivery that would be placed: every bad case is this with one defect. */
function validIntent(key: string, ctx: WebhookContext): Record<string, unknown> {
  return { strategy: 'bad-input', instrument: ctx.epic, direction: 'BUY', size: '1', stopLoss: { distance: '20' }, idempotencyKey: key };
}

function validText(key: string, ctx: WebhookContext): string {
  return `ticker=${ctx.epic}\nside=buy\nqty=1\nsl=25\nstrategy=bad-input\nid=${key}`;
}

/** Headers and query for a delivery: signed (hmac) or with the token, optionally broken by `authDefect`. */
function delivery(ctx: WebhookContext, payload: Buffer, random: CaseRandom, contentType: string, useHmac: boolean, authDefect?: string): { url: string; headers: Record<string, string>; authNote: string } {
  const base = '/webhooks/trade-intents';
  const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
  const sign = (secret: string, atMs: number, bytes: Buffer) => {
    const seconds = Math.floor(atMs / 1000);
    return `t=${seconds},v1=${createHmac('sha256', secret).update(`${seconds}.`).update(bytes).digest('hex')}`;
  };
  if (useHmac) {
    headers['x-recon-source'] = ctx.hmacSource;
    switch (authDefect) {
      case 'hmac-missing':
        break;
      case 'hmac-wrong-secret':
        headers['x-recon-signature'] = sign(`${ctx.hmacSecret}x`, ctx.nowMs, payload);
        break;
      case 'hmac-stale':
        headers['x-recon-signature'] = sign(ctx.hmacSecret, ctx.nowMs - 10 * 60_000, payload);
        break;
      case 'hmac-future':
        headers['x-recon-signature'] = sign(ctx.hmacSecret, ctx.nowMs + 10 * 60_000, payload);
        break;
      case 'hmac-other-body':
        headers['x-recon-signature'] = sign(ctx.hmacSecret, ctx.nowMs, Buffer.concat([payload, Buffer.from(' ')]));
        break;
      case 'hmac-malformed':
        headers['x-recon-signature'] = random.pick(['garbage', 't=abc,v1=00', `v1=${'0'.repeat(64)}`, `t=${Math.floor(ctx.nowMs / 1000)}`, sign(ctx.hmacSecret, ctx.nowMs, payload).toUpperCase(), `t=${Math.floor(ctx.nowMs / 1000)},v1=${'g'.repeat(64)}`, ',,,', '=']);
        break;
      case 'hmac-unknown-source':
        headers['x-recon-source'] = 'nobody';
        headers['x-recon-signature'] = sign(ctx.hmacSecret, ctx.nowMs, payload);
        break;
      default:
        headers['x-recon-signature'] = sign(ctx.hmacSecret, ctx.nowMs, payload);
    }
    return { url: base, headers, authNote: `hmac${authDefect ? `:${authDefect}` : ''}` };
  }
  const inQuery = random.chance(0.5);
  let source = ctx.tokenSource;
  let token: string | undefined = ctx.token;
  if (authDefect === 'token-wrong') token = `${ctx.token.slice(0, -1)}${ctx.token.endsWith('a') ? 'b' : 'a'}`;
  if (authDefect === 'token-missing') token = undefined;
  if (authDefect === 'token-empty') token = '';
  if (authDefect === 'token-no-source') source = '';
  if (inQuery) {
    const query = new URLSearchParams();
    if (source) query.set('source', source);
    if (token !== undefined) query.set('token', token);
    return { url: `${base}?${query.toString()}`, headers, authNote: `token-query${authDefect ? `:${authDefect}` : ''}` };
  }
  if (source) headers['x-recon-source'] = source;
  if (token !== undefined) headers['x-recon-token'] = token;
  return { url: base, headers, authNote: `token-header${authDefect ? `:${authDefect}` : ''}` };
}

/** Case `index` of the webhook stream: one delivery with one defect, and the status it must get. */
export function webhookCase(index: number, ctx: WebhookContext, seed = BAD_INPUT_SEED): WebhookCase {
  const random = caseRandom('webhook', index, seed);
  const kind = kindOf(index, random, WEBHOOK_KINDS);
  const key = `bad-${seed}-${index}`;
  const intent = validIntent(key, ctx);
  let payload: Buffer;
  let detail: string;
  let status = 422;
  let contentType = random.pick(['application/json', 'text/plain', 'application/json; charset=utf-8', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'application/xml', '']);
  let authDefect: string | undefined;
  let needsBroker = false;
  let replayStatus: number | undefined;
  const json = (value: unknown) => Buffer.from(serialise(value), 'utf8');
  const edit = (path: JsonPath, value: unknown) => json(withValueAt(intent, path, value));

  switch (kind) {
    case 'wrong-type': {
      const [field, value] = random.pick<[string, unknown]>([
        ['size', true], ['size', {}], ['size', []], ['size', 'abc'], ['size', -1], ['size', 0], ['size', '0'], ['size', '-0.5'], ['size', { value: '1' }],
        ['direction', 1], ['direction', true], ['direction', {}], ['direction', ['BUY']],
        ['instrument', {}], ['instrument', []], ['instrument', true], ['instrument', 1.5],
        ['stopLoss', []], ['stopLoss', 'abc'], ['stopLoss', { distance: 'x' }], ['stopLoss', { distance: true }], ['stopLoss', { distance: '1', level: '2' }], ['stopLoss', true], ['stopLoss', -5],
        ['guaranteedStop', 'maybe'], ['guaranteedStop', 2], ['trailingStop', {}], ['trailingStop', 'sometimes'],
        ['alertTime', true], ['alertTime', 'yesterday'], ['alertTime', 1_741_168_800], ['alertTime', '2025-03-05T10:00:00'],
        ['goodTill', 'tomorrow'], ['orderType', 5], ['orderType', {}],
        ['idempotencyKey', {}], ['idempotencyKey', 'has space'], ['idempotencyKey', 'ünïcode'], ['idempotencyKey', true],
        ['strategy', '\u0001ctrl'], ['strategy', {}], ['strategy', ['a']], ['strategy', 'tab\there'],
      ]);
      payload = edit([field], value);
      detail = `${field}=${describeValue(value)}`;
      break;
    }
    case 'missing-field': {
      const field = random.pick(['instrument', 'direction', 'size', 'idempotencyKey']);
      payload = edit([field], random.chance(0.3) ? null : undefined);
      detail = `${field} missing`;
      break;
    }
    case 'huge-value': {
      const [field, value] = random.pick<[string, unknown]>([
        ['size', `9${'9'.repeat(40)}`], ['size', 1e308], ['size', rawLiteral('1e999')], ['size', '1e999999999'], ['size', `0.${'0'.repeat(40)}1`], ['size', rawLiteral(`1${'0'.repeat(400)}`)],
        ['stopLoss', { distance: '1e50' }], ['stopLoss', { distance: `${'9'.repeat(50)}` }],
        ['strategy', 's'.repeat(65)], ['strategy', 's'.repeat(5_000)], ['idempotencyKey', 'k'.repeat(129)], ['alertId', 'a'.repeat(129)], ['instrument', 'G'.repeat(65)],
        ['alertTime', 99_999_999_999_999], ['alertTime', '99999-03-05T10:00:00Z'], ['goodTill', '9999999999999999'],
      ]);
      payload = edit([field], value);
      detail = `${field}=${describeValue(value)}`;
      break;
    }
    case 'unknown-enum': {
      const [field, value] = random.pick<[string, unknown]>([
        ['direction', 'HOLD'], ['direction', 'buyy'], ['direction', 'B'], ['direction', 'BUY SELL'],
        ['orderType', 'ICEBERG'], ['orderType', 'TRAILING'], ['orderType', 'market-on-close'],
        ['stopLoss', { percent: '2' }], ['stopLoss', { pips: 20 }], ['takeProfit', { ratio: '2' }],
        ['guaranteedStop', 'perhaps'],
      ]);
      payload = edit([field], value);
      detail = `${field}=${describeValue(value)}`;
      break;
    }
    case 'unknown-field': {
      const field = random.pick(['leverage', 'stoploss_pct', 'accountId', 'source', 'quantityUsd', 'comment']);
      payload = edit([field], random.pick<unknown>([5, 'x', true, { a: 1 }]));
      detail = `unknown field ${field}`;
      break;
    }
    case 'invalid-utf8': {
      const asText = random.chance(0.5);
      const made = withInvalidUtf8(asText ? validText(key, ctx) : serialise(intent), random);
      payload = made.bytes;
      detail = `${asText ? 'text' : 'json'} ${made.where}`;
      status = 400;
      break;
    }
    case 'truncated-json': {
      const text = serialise(intent);
      const cut = truncated(text, random);
      payload = Buffer.from(cut.text);
      detail = `cut after ${cut.at} of ${text.length} chars`;
      break;
    }
    case 'not-an-object': {
      const text = random.pick(['[]', '[1,2]', '["size","1"]', 'null', '42', '"text"', 'true', '[{"size":"1"}]']);
      payload = Buffer.from(text);
      detail = text;
      break;
    }
    case 'empty-body': {
      const text = random.pick(['', ' ', '\n\n', '\uFEFF', '\uFEFF  \t', '{}', '{ }']);
      payload = Buffer.from(text);
      detail = JSON.stringify(text);
      break;
    }
    case 'text-syntax': {
      const text = random.pick([`ticker ${ctx.epic}\nside=buy\nqty=1\nsl=25\nid=${key}`, `=${ctx.epic}\nside=buy\nqty=1\nsl=25\nid=${key}`, `ticker=${ctx.epic}=1\nside=buy\nqty=1\nsl=25\nid=${key}`, `ticker=${ctx.epic}\nside=buy\nqty=1\nsl=25\nid=${key}\n1bad=key`, `ticker=${ctx.epic}\nside=buy\nqty=1\nsl=25\nid=${key}\n=`]);
      payload = Buffer.from(text);
      detail = JSON.stringify(text.slice(0, 40));
      contentType = 'text/plain';
      break;
    }
    case 'text-defect': {
      const lines = validText(key, ctx).split('\n');
      const [what, changed] = random.pick<[string, string[]]>([
        ['qty twice', [...lines, 'quantity=2']],
        ['unknown key', [...lines, 'lev=5']],
        ['side=hold', lines.map((l) => (l.startsWith('side=') ? 'side=hold' : l))],
        ['qty=abc', lines.map((l) => (l.startsWith('qty=') ? 'qty=abc' : l))],
        ['no ticker', lines.filter((l) => !l.startsWith('ticker='))],
        ['no id', lines.filter((l) => !l.startsWith('id='))],
        ['sl=-5', lines.map((l) => (l.startsWith('sl=') ? 'sl=-5' : l))],
        ['qty=1e3', lines.map((l) => (l.startsWith('qty=') ? 'qty=1e3' : l))],
        ['type=limit without price', [...lines, 'type=limit']],
      ]);
      payload = Buffer.from(changed.join(random.pick(['\n', '\r\n', '&', ';', ' '])));
      detail = what;
      contentType = 'text/plain';
      break;
    }
    case 'too-many-fields': {
      const text = Array.from({ length: 65 }, (_, i) => `f${i}=1`).join('\n');
      payload = random.chance(0.5) ? Buffer.from(text) : json(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 1])));
      detail = '65 fields';
      break;
    }
    case 'oversized-parse': {
      payload = edit(['strategy'], 'x'.repeat(random.between(16_400, 60_000)));
      detail = `${payload.length} bytes (over the 16,384-character intent limit)`;
      break;
    }
    case 'oversized-transport': {
      payload = edit(['strategy'], 'x'.repeat(random.between(66_000, 2_000_000)));
      detail = `${payload.length} bytes (over the 64 KiB body limit)`;
      status = 413;
      break;
    }
    case 'cross-field': {
      const [what, changes] = random.pick<[string, Record<string, unknown>]>([
        ['MARKET with a level', { level: '2000' }],
        ['LIMIT without a level', { orderType: 'LIMIT' }],
        ['STOP without a level', { orderType: 'stop' }],
        ['trailing and guaranteed', { trailingStop: true, guaranteedStop: true }],
        ['trailing with a stop level', { trailingStop: true, stopLoss: { level: '1900' } }],
        ['good-till on MARKET', { goodTill: '2099-01-01T00:00:00Z' }],
        ['good-till in the past', { orderType: 'LIMIT', level: '1000', goodTill: '2001-01-01T00:00:00Z' }],
        ['two stop kinds', { stopLoss: { distance: '20', level: '1900' } }],
        ['no key and no alert time', { idempotencyKey: undefined, alertId: 'a1' }],
      ]);
      let edited: unknown = intent;
      for (const [field, value] of Object.entries(changes)) edited = withValueAt(edited, [field], value);
      payload = json(edited);
      detail = what;
      break;
    }
    case 'deep-nesting': {
      const depth = random.pick([50, 1_000, 5_000]);
      const nested = random.chance(0.5) ? deepArrays(depth) : deeplyNested(Math.min(depth, 500));
      const field = random.pick(['stopLoss', 'size', 'strategy', 'nested']);
      payload = edit([field], nested);
      detail = `${field} nested ${depth} levels`;
      break;
    }
    case 'proto-keys': {
      const text = random.pick([
        `{"__proto__":{"size":"1"},"strategy":"p","instrument":"${ctx.epic}","direction":"BUY","stopLoss":{"distance":"20"},"idempotencyKey":"${key}"}`,
        `{"constructor":{"prototype":{"size":"1"}},"strategy":"p","instrument":"${ctx.epic}","direction":"BUY","stopLoss":{"distance":"20"},"idempotencyKey":"${key}"}`,
        `{"strategy":"p","instrument":"${ctx.epic}","direction":"BUY","size":"1","stopLoss":{"__proto__":{"distance":"20"}},"idempotencyKey":"${key}"}`,
        `__proto__=1\nticker=${ctx.epic}\nside=buy\nqty=1\nsl=25\nid=${key}`,
      ]);
      payload = Buffer.from(text);
      detail = JSON.stringify(text.slice(0, 40));
      break;
    }
    case 'bad-signature': {
      authDefect = random.pick(['hmac-missing', 'hmac-wrong-secret', 'hmac-stale', 'hmac-future', 'hmac-other-body', 'hmac-malformed', 'hmac-unknown-source']);
      payload = json(intent);
      detail = 'a valid intent';
      status = 401;
      break;
    }
    case 'bad-token': {
      authDefect = random.pick(['token-wrong', 'token-missing', 'token-empty', 'token-no-source']);
      payload = random.chance(0.5) ? json(intent) : Buffer.from(validText(key, ctx));
      detail = 'a valid intent';
      status = 401;
      break;
    }
    case 'replayed': {
      authDefect = 'hmac';
      payload = edit(['size'], 'abc');
      detail = 'size=abc, delivered twice with one signature';
      replayStatus = 409;
      break;
    }
    case 'unknown-epic': {
      payload = edit(['instrument'], ctx.unknownEpic);
      detail = `instrument ${ctx.unknownEpic}`;
      needsBroker = true;
      break;
    }
    case 'broker-rules': {
      const [what, changes] = random.pick<[string, Record<string, unknown>]>([
        ['no stop (risk policy)', { stopLoss: undefined }],
        ['size above the maximum', { size: '99999999' }],
        ['stop beyond the maximum distance', { stopLoss: { distance: '99999999' } }],
        ['size off the increment', { size: '1.00001' }],
      ]);
      let edited: unknown = intent;
      for (const [field, value] of Object.entries(changes)) edited = withValueAt(edited, [field], value);
      payload = json(edited);
      detail = what;
      needsBroker = true;
      break;
    }
  }
  const useHmac = authDefect?.startsWith('hmac') ?? random.chance(0.3);
  // Two cases may send the same bytes (an empty body, a short truncated prefix) in the same second:
  // signed alike, the second would rightly be a replay (409). Trailing blanks, which every reader
  // ignores, make each signed body the case's own.
  if (useHmac) payload = Buffer.concat([payload, Buffer.from(`\n${index.toString(2).replace(/0/g, ' ').replace(/1/g, '\t')}`)]);
  const { url, headers, authNote } = delivery(ctx, payload, random, contentType, useHmac, authDefect);
  return {
    index,
    description: `webhook seed=${seed} case=${index} kind=${kind} ${detail} via ${authNote} content-type='${contentType}' expect ${status}`,
    url,
    headers,
    payload,
    status,
    needsBroker,
    ...(replayStatus === undefined ? {} : { replayStatus }),
  };
}

// ---------------------------------------------------------------------------------------------
// Streaming frames and quotes.

/** What `readServerFrame` must make of a frame, and what the sink must do with a quote it yields. */
export type FrameExpectation =
  /** A `malformed` frame with a reason. */
  | { frame: 'malformed' }
  /** A quote the sink must refuse (counted as rejected, nothing stored). */
  | { frame: 'quote'; sink: 'reject' }
  /** A well-formed quote the sink must take and store as sent. */
  | { frame: 'quote'; sink: 'accept' }
  /** Any frame kind, but no exception (unknown destinations, odd acks, replacement characters). */
  | { frame: 'any' };

export interface FrameCase {
  index: number;
  description: string;
  /** The frame's bytes; the test decodes them as the streaming connection does. */
  bytes: Buffer;
  expect: FrameExpectation;
}

const FRAME_KINDS = {
  'good-quote': 10,
  'quote-wrong-type': 12,
  'quote-missing': 8,
  'quote-non-finite': 4,
  'quote-bad-epic': 6,
  'quote-bad-timestamp': 6,
  'quote-huge-price': 3,
  'ohlc-defect': 8,
  'status-defect': 5,
  'ack-defect': 4,
  'unknown-destination': 3,
  'payload-not-object': 4,
  truncated: 8,
  'invalid-utf8': 6,
  'not-json': 5,
  'deep-nesting': 2,
  'huge-string': 2,
} as const;
export type FrameKind = keyof typeof FRAME_KINDS;
export const FRAME_CASE_KINDS = Object.keys(FRAME_KINDS) as FrameKind[];

/** A quote frame with a unique timestamp near `dayStartMs`, for case `index`. */
function quoteFrame(index: number, dayStartMs: number, random: CaseRandom): Record<string, unknown> & { payload: Record<string, unknown> } {
  const bid = Math.round((90 + random.next() * 10) * 100) / 100;
  return { status: 'OK', destination: 'quote', payload: { epic: random.pick(['OIL_CRUDE', 'GOLD', 'US100', 'EURUSD', 'BTCUSD']), product: 'CFD', bid, bidQty: 4976, ofr: Math.round((bid + 0.03) * 100) / 100, ofrQty: 5000, timestamp: dayStartMs + index * 7 } };
}

/** Case `index` of the frame stream. `examples` are the official server frames (any destination). */
export function frameCase(index: number, examples: readonly Record<string, unknown>[], dayStartMs: number, seed = BAD_INPUT_SEED): FrameCase {
  const random = caseRandom('stream-frame', index, seed);
  const kind = kindOf(index, random, FRAME_KINDS);
  const quote = quoteFrame(index, dayStartMs, random);
  const made = (detail: string, bytes: Buffer | string, expect: FrameExpectation): FrameCase => ({
    index,
    description: `stream-frame seed=${seed} case=${index} kind=${kind} ${detail}`,
    bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes,
    expect,
  });
  const quoteWith = (field: string, value: unknown) => serialise(withValueAt(quote, ['payload', field], value));
  switch (kind) {
    case 'good-quote':
      return made(`quote ${String(quote.payload.epic)} ${String(quote.payload.bid)}`, serialise(quote), { frame: 'quote', sink: 'accept' });
    case 'quote-wrong-type': {
      const field = random.pick(['epic', 'bid', 'ofr', 'bidQty', 'ofrQty', 'timestamp']);
      const value = otherType(quote.payload[field], random);
      // A number where the epic belongs is not an epic either.
      return made(`${field}=${describeValue(value)}`, quoteWith(field, value), { frame: 'malformed' });
    }
    case 'quote-missing': {
      const field = random.pick(['epic', 'bid', 'ofr', 'bidQty', 'ofrQty', 'timestamp']);
      return made(`${field} missing`, quoteWith(field, undefined), { frame: 'malformed' });
    }
    case 'quote-non-finite': {
      const field = random.pick(['bid', 'ofr', 'bidQty', 'timestamp']);
      const literal = random.pick(['1e999', '-1e999', `1${'0'.repeat(400)}`]);
      return made(`${field}=${literal.slice(0, 12)}`, quoteWith(field, rawLiteral(literal)), { frame: 'malformed' });
    }
    case 'quote-bad-epic': {
      const epic = random.pick(['', 'gold', ' GOLD', 'GO LD', 'G'.repeat(65), 'GOLD\n', 'ÖL', '-GOLD', '\u0000']);
      return made(`epic=${describeValue(epic)}`, quoteWith('epic', epic), epic === '' ? { frame: 'malformed' } : { frame: 'quote', sink: 'reject' });
    }
    case 'quote-bad-timestamp': {
      const timestamp = random.pick([-1, 1.5, 1e20, 253_402_300_800_000, Number.MAX_SAFE_INTEGER + 2, -1e15]);
      return made(`timestamp=${timestamp}`, quoteWith('timestamp', timestamp), { frame: 'quote', sink: 'reject' });
    }
    case 'quote-huge-price': {
      // Finite and well-formed, however implausible: kept exactly (the sink judges form, not plausibility).
      const field = random.pick(['bid', 'ofr']);
      const value = random.pick([1e308, 5e-324, -1e300, 123_456_789_012_345_680_000]);
      return made(`${field}=${value}`, quoteWith(field, value), { frame: 'quote', sink: 'accept' });
    }
    case 'ohlc-defect': {
      const bar = { status: 'OK', destination: 'ohlc.event', payload: { resolution: 'MINUTE_5', epic: 'OIL_CRUDE', type: 'classic', priceType: 'bid', t: dayStartMs, h: 93.9, l: 93.8, o: 93.85, c: 93.87 } };
      const [field, value] = random.pick<[string, unknown]>([['epic', ''], ['epic', '   '], ['epic', 7], ['resolution', null], ['type', {}], ['t', '1660297190627'], ['o', null], ['h', rawLiteral('1e999')], ['c', 'NaN'], ['l', undefined], ['epic', undefined]]);
      return made(`ohlc ${field}=${describeValue(value)}`, serialise(withValueAt(bar, ['payload', field], value)), { frame: 'malformed' });
    }
    case 'status-defect': {
      const [what, frame] = random.pick<[string, unknown]>([
        ['status missing', withValueAt(quote, ['status'], undefined)],
        ['status WEIRD', withValueAt(quote, ['status'], 'WEIRD')],
        ['status 1', withValueAt(quote, ['status'], 1)],
        ['ERROR without errorCode', { status: 'ERROR', destination: 'quote', payload: {} }],
        ['ERROR with errorCode 42', { status: 'ERROR', destination: 'quote', payload: { errorCode: 42 } }],
      ]);
      return made(what, serialise(frame), { frame: 'malformed' });
    }
    case 'ack-defect': {
      const [what, frame, expect] = random.pick<[string, unknown, FrameExpectation]>([
        ['ack with an object status', { status: 'OK', destination: 'marketData.subscribe', correlationId: '1', payload: { subscriptions: { GOLD: { deep: true } } } }, { frame: 'malformed' }],
        ['ack with a deeply nested status', { status: 'OK', destination: 'marketData.subscribe', correlationId: '1', payload: { subscriptions: { GOLD: deepArrays(20_000) } } }, { frame: 'malformed' }],
        ['ack with a number status', { status: 'OK', destination: 'marketData.subscribe', correlationId: 1, payload: { subscriptions: { GOLD: 7 } } }, { frame: 'any' }],
        ['ack with correlationId {}', { status: 'OK', destination: 'marketData.subscribe', correlationId: {}, payload: { subscriptions: {} } }, { frame: 'any' }],
      ]);
      return made(what, serialise(frame), expect);
    }
    case 'unknown-destination': {
      const example = random.pick(examples);
      return made(`destination changed on ${String(example.destination)}`, serialise(withValueAt(example, ['destination'], random.pick(['quote.v2', 'brandNew', '', 'QUOTE']))), { frame: 'any' });
    }
    case 'payload-not-object': {
      const value = random.pick<unknown>(['text', 42, null, [], [quote.payload], true]);
      const destination = random.pick(['quote', 'ohlc.event']);
      return made(`${destination} payload=${describeValue(value)}`, serialise({ status: 'OK', destination, payload: value }), { frame: 'malformed' });
    }
    case 'truncated': {
      const text = serialise(random.chance(0.7) ? quote : random.pick(examples));
      const cut = truncated(text, random);
      return made(`cut after ${cut.at} of ${text.length} chars`, cut.text, { frame: 'malformed' });
    }
    case 'invalid-utf8': {
      const { bytes, where } = withInvalidUtf8(serialise(quote), random);
      return made(where, bytes, { frame: 'any' });
    }
    case 'not-json': {
      const text = random.pick(['', ' ', 'ping', 'null', '[]', '42', '"quote"', '{"status":"OK",}', "{'status':'OK'}", 'NaN', 'true', '[{"status":"OK"}]']);
      return made(JSON.stringify(text), text, { frame: 'malformed' });
    }
    case 'deep-nesting': {
      const depth = random.pick([1_000, 50_000]);
      return made(`unknown field nested ${depth} levels`, serialise(withValueAt(quote, ['payload', 'extra'], deepArrays(depth))), { frame: 'quote', sink: 'accept' });
    }
    case 'huge-string': {
      const epic = 'E'.repeat(random.pick([1_000, 1_000_000]));
      return made(`epic of ${epic.length} chars`, quoteWith('epic', epic), { frame: 'quote', sink: 'reject' });
    }
  }
}

/** A quote object as a buggy caller might hand it to the sink directly (types the reader would have refused). */
export interface QuoteObjectCase {
  index: number;
  description: string;
  quote: Record<string, unknown>;
}

/** Case `index` of malformed quote objects: every one must be refused by `QuoteSink.accept`. */
export function quoteObjectCase(index: number, dayStartMs: number, seed = BAD_INPUT_SEED): QuoteObjectCase {
  const random = caseRandom('quote-object', index, seed);
  const quote: Record<string, unknown> = { epic: 'GOLD', bid: 2000.5, bidQty: 1, ofr: 2001, ofrQty: 1, timestamp: dayStartMs + 5 + index * 7 };
  const [field, value] = random.pick<[string, unknown]>([
    ['epic', undefined], ['epic', null], ['epic', 7], ['epic', ''], ['epic', 'gold'], ['epic', {}],
    ['timestamp', undefined], ['timestamp', null], ['timestamp', Number.NaN], ['timestamp', '1660297190627'], ['timestamp', -5], ['timestamp', 0.5], ['timestamp', Infinity],
    ['bid', undefined], ['bid', null], ['bid', Number.NaN], ['bid', Infinity], ['bid', 'abc'], ['bid', {}], ['bid', '1e999999999'], ['bid', ''],
    ['ofr', undefined], ['ofr', -Infinity], ['ofr', []], ['ofr', '12,5'], ['ofr', true],
  ]);
  if (value === undefined) delete quote[field];
  else quote[field] = value;
  return { index, description: `quote-object seed=${seed} case=${index} ${field}=${value === undefined ? 'missing' : describeValue(value)}`, quote };
}

// ---------------------------------------------------------------------------------------------
// Running many cases.

/** Unhandled rejections and uncaught exceptions while installed; `stop()` removes the listeners. */
export function countProcessFailures(): { readonly count: number; readonly first: string | undefined; stop(): void } {
  let count = 0;
  let first: string | undefined;
  const record = (kind: string) => (reason: unknown) => {
    count++;
    first ??= `${kind}: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`;
  };
  const onRejection = record('unhandledRejection');
  const onException = record('uncaughtException');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    get count() {
      return count;
    },
    get first() {
      return first;
    },
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** Failed cases, each with its description, reported together (the first few in full). */
export class CaseFailures {
  private readonly failures: string[] = [];
  private total = 0;

  constructor(private readonly shownMax = 15) {}

  add(description: string, problem: string): void {
    this.total++;
    if (this.failures.length < this.shownMax) this.failures.push(`${description}\n    → ${problem.length > 600 ? `${problem.slice(0, 600)}…` : problem}`);
  }

  get count(): number {
    return this.total;
  }

  message(): string {
    return `${this.total} case(s) failed${this.total > this.failures.length ? ` (first ${this.failures.length} shown)` : ''}:\n  ${this.failures.join('\n  ')}`;
  }
}

/**
 * The case indexes to run: [0, count), or only those RECON_BAD_INPUT_CASE lists (`17` or `17,240`),
 * to replay failed cases from their printed index (with their RECON_BAD_INPUT_SEED).
 */
export function caseIndexes(count: number): number[] {
  const only = process.env.RECON_BAD_INPUT_CASE;
  if (only === undefined || only.trim() === '') return Array.from({ length: count }, (_, i) => i);
  const indexes = only.split(',').map((part) => Number(part.trim()));
  if (!indexes.every((i) => Number.isSafeInteger(i) && i >= 0)) throw new Error(`RECON_BAD_INPUT_CASE must list case indexes (17 or 17,240), got '${only}'`);
  return indexes;
}

/** Whether every case runs (not a replay of chosen ones): only then do totals over all cases mean anything. */
export function allCasesRun(): boolean {
  return (process.env.RECON_BAD_INPUT_CASE ?? '').trim() === '';
}

/** Runs `run(i)` for each of `caseIndexes(count)` with at most `concurrency` at once. */
export async function forEachCase(count: number, concurrency: number, run: (index: number) => Promise<void>): Promise<void> {
  const indexes = caseIndexes(count);
  let next = 0;
  const lane = async () => {
    while (next < indexes.length) {
      const index = indexes[next++] as number;
      await run(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, indexes.length)) }, lane));
}

/** Rejects with a message naming `what` when `promise` takes longer than `ms` (a hang is a failure, not a stuck run). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class HangError extends Error {
  override name = 'HangError';
}
