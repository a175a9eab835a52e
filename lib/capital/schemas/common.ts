/**
 * Building blocks shared by every Capital.com response schema, and the one function that turns a
 * zod failure into a `CapitalResponseError` naming the endpoint and the first bad field.
 *
 * Response schemas are deliberately tolerant: objects keep fields we do not know yet, and enum-like
 * strings keep values we have not seen (the broker adds both without notice). What they do not
 * tolerate is a malformed amount or timestamp, because those would silently corrupt the ledger.
 */
import { z } from 'zod';
import { MoneyError, toDecimal } from '../../money';
import { CapitalResponseError } from '../errors';

/** An enum the broker may extend: known values for autocompletion, any other string still accepted. */
export type OpenEnum<Known extends string> = Known | (string & {});

/**
 * A string field whose known values are listed in `known`. Unknown values are kept as they are:
 * rejecting a whole statement because of a new transaction type would be worse than recording it.
 */
export function openEnum<const Known extends readonly string[]>(_known: Known) {
  return z.string().transform((value): OpenEnum<Known[number]> => value);
}

/** `BUY`/`SELL` stays closed: a position's sign depends on it, so an unknown value must stop us. */
export const DIRECTIONS = ['BUY', 'SELL'] as const;
export const directionSchema = z.enum(DIRECTIONS);
export type Direction = z.output<typeof directionSchema>;

/**
 * An exact decimal from the wire: a JSON number (read through its shortest text, which is what the
 * sender wrote) or a decimal string. Garbage such as "12,5" or null is a zod issue, never NaN.
 */
export const decimalSchema = z
  .union([z.number(), z.string()], {
    error: (issue) => `expected a decimal number or decimal string, got ${describeJsonValue(issue.input)}`,
  })
  .transform((value, ctx) => {
    try {
      return toDecimal(value);
    } catch (error) {
      const message = error instanceof MoneyError ? error.message : 'not a decimal amount';
      ctx.issues.push({ code: 'custom', message, input: value });
      return z.NEVER;
    }
  });

/**
 * A platform timestamp without zone: `YYYY-MM-DDTHH:MM:SS` with optional fraction. The docs show
 * milliseconds; up to nanoseconds is accepted because the backend is Java, whose formatter may
 * print more digits. Kept as text: the zone is implied by the field name (`…UTC` or local).
 */
export const LOCAL_TIMESTAMP_PATTERN =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?$/;
export const localTimestampSchema = z
  .string()
  .regex(LOCAL_TIMESTAMP_PATTERN, { error: 'expected a timestamp YYYY-MM-DDTHH:MM:SS[.mmm] without zone' });

/** Milliseconds since the Unix epoch (serverTime, timeStamp, quote timestamps, bar starts). */
export const epochMsSchema = z.number().int().nonnegative();

/** `{ errorCode }`: the body of every documented 4xx, e.g. `error.invalid.stoploss.minvalue: 17.146`. */
export const errorBodySchema = z.looseObject({ errorCode: z.string() });
export type ErrorBody = z.output<typeof errorBodySchema>;

/** `{ status }` bodies: `OK` from ping, `SUCCESS` from deletes and updates. */
export const statusResponseSchema = z.looseObject({ status: z.string() });
export type StatusResponse = z.output<typeof statusResponseSchema>;

/** `{ dealReference }` from trading calls: `o_…` for orders, `p_…` for position amendments and closes. */
export const dealReferenceResponseSchema = z.looseObject({ dealReference: z.string().min(1) });
export type DealReferenceResponse = z.output<typeof dealReferenceResponseSchema>;

/**
 * `Omit` that keeps the known fields of a loose object. The built-in `Omit` maps over `keyof`,
 * which for `{ a } & Record<string, unknown>` is just `string`, and so would drop `a`.
 */
export type OmitKnown<Type, Keys extends PropertyKey> = { [Key in keyof Type as Key extends Keys ? never : Key]: Type[Key] };

/**
 * Moves fields the broker renamed to their current name (`{ legacy: 'current' }`). The current
 * spelling wins when both are sent; the legacy key is removed so the output has one name only.
 */
export function preferCurrentNames<Row extends Record<string, unknown>, const Renames extends Record<string, keyof Row & string>>(
  row: Row,
  legacyToCurrent: Renames,
): OmitKnown<Row, keyof Renames> {
  const renamed: Record<string, unknown> = { ...row };
  for (const [legacy, current] of Object.entries(legacyToCurrent)) {
    if (renamed[current] === undefined && renamed[legacy] !== undefined) renamed[current] = renamed[legacy];
    delete renamed[legacy];
  }
  return renamed as OmitKnown<Row, keyof Renames>;
}

/** Account money as the broker reports it (session, accounts). Meanings are inferred, see REFERENCE §3. */
export const accountBalancesSchema = z.looseObject({
  balance: decimalSchema,
  deposit: decimalSchema,
  profitLoss: decimalSchema,
  available: decimalSchema,
});
export type AccountBalances = z.output<typeof accountBalancesSchema>;

const PROBLEM_LENGTH_MAX = 200;
/**
 * The broker's bodies are a few levels deep. Unknown fields are kept as they came, so without a
 * bound a deeply nested one would reach code that walks rows recursively (digests, BSON) and fail
 * there with no field named.
 */
export const RESPONSE_DEPTH_MAX = 32;

/** The path to the first value nested deeper than `depthMax` (the body itself is level 0), walked without recursion. */
function pathBeyondDepth(body: unknown, depthMax: number): PropertyKey[] | undefined {
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value: body, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: PropertyKey[] };
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= depthMax) return path;
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, path: [...path, Array.isArray(value) ? Number(key) : key] });
    }
  }
  return undefined;
}

/**
 * Parses a response body or throws `CapitalResponseError(endpoint, field, problem)` for the first
 * failing issue. Only zod's message for that one field is reported, never the body itself.
 */
export function parseResponse<Schema extends z.ZodType>(endpoint: string, schema: Schema, body: unknown): z.output<Schema> {
  const tooDeep = pathBeyondDepth(body, RESPONSE_DEPTH_MAX);
  if (tooDeep !== undefined) throw new CapitalResponseError(endpoint, issuePath(tooDeep), `nested deeper than ${RESPONSE_DEPTH_MAX} levels`);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new CapitalResponseError(endpoint, '', 'the body did not match the expected shape');
  throw new CapitalResponseError(endpoint, issuePath(issue.path), bounded(issue.message));
}

/** `['transactions', 3, 'size']` → `transactions.3.size`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((key) => String(key)).join('.');
}

function bounded(text: string): string {
  return text.length <= PROBLEM_LENGTH_MAX ? text : `${text.slice(0, PROBLEM_LENGTH_MAX)}…`;
}

/** A short description of a value's JSON type, for messages that must not echo the value. */
export function describeJsonValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
