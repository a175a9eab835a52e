/**
 * Normalising one canonical field at a time: each reader turns a raw value into its normal form
 * (canonical decimal text, a choice, a boolean, epoch ms, a stop or take-profit) or reports why it
 * cannot. `field` wraps a reader as a zod step that reports through `params.rule`.
 */
import { z } from 'zod';
import { canonical, type Decimal, toDecimal } from '../money';
import { isPlainObject, shown } from './intent-body';
import { type BracketField, type BracketKind, type IntentBracket, PLAIN_DECIMAL } from './intent-schema';

/** Canonical decimal text longer than this is not a size or a price. */
const DECIMAL_CHARS_MAX = 32;
const ZONED_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
/** 13 digits: epoch ms from 2001-09-09 on. Ten digits (seconds) are refused, not guessed at. */
const EPOCH_MS_MIN = 1e12;
const EPOCH_MS_MAX = 1e13 - 1;

export type Report = (rule: string, reason: string, path?: readonly string[]) => void;
export type FieldReader<T> = (raw: unknown, report: Report) => T | undefined;

export function field<T>(reader: FieldReader<T>, required = false) {
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

export function readDecimal(raw: unknown, report: Report): string | undefined {
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

export function readText(pattern: RegExp, what: string): FieldReader<string> {
  return (raw, report) => {
    const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : undefined;
    if (text === undefined || !pattern.test(text)) return void report('text', `expected ${what}, got ${shown(raw)}`);
    return text;
  };
}

export function readChoice<Value extends string>(table: Readonly<Record<string, Value>>): FieldReader<Value> {
  return (raw, report) => {
    const value = typeof raw === 'string' && Object.hasOwn(table, raw.trim().toLowerCase()) ? table[raw.trim().toLowerCase()] : undefined;
    if (value === undefined) return void report('one-of', `expected one of ${Object.keys(table).join(', ')}, got ${shown(raw)}`);
    return value;
  };
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

export function readBoolean(raw: unknown, report: Report): boolean | undefined {
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

export function readTime(raw: unknown, report: Report): number | undefined {
  const ms = parseZonedTime(raw);
  if (ms === undefined) return void report('time', `expected an ISO 8601 time with a zone (2025-03-05T10:00:00Z) or epoch milliseconds, got ${shown(raw)}`);
  return ms;
}

export function readBracket(side: BracketField): FieldReader<IntentBracket> {
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
export function epicOf(instrument: string, symbols: Readonly<Record<string, string>>): string {
  const candidates = instrument.includes(':') ? [instrument, instrument.slice(instrument.lastIndexOf(':') + 1)] : [instrument];
  for (const candidate of candidates) {
    if (Object.hasOwn(symbols, candidate)) return symbols[candidate] as string;
    const folded = Object.keys(symbols).find((symbol) => symbol.toUpperCase() === candidate.toUpperCase());
    if (folded !== undefined) return symbols[folded] as string;
  }
  return candidates[candidates.length - 1] as string;
}
