import { InvalidArgumentError } from 'commander';
import { checkTypes } from '../activities/reconcile';
import { instant } from '../api/http/fields';

/** Option parsers shared by every command: each rejects bad input with the value and what was expected (exit 2). */

export function parseTypes(text: string): string[] {
  const types = text.split(',').map((t) => t.trim().toUpperCase()).filter(Boolean);
  try {
    checkTypes(types);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return types;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`'${value}' is not a port number (1-65535)`);
  return port;
}

export function parsePeriod(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a month like 2025-01`);
  return value;
}

export function parsePortOrZero(value: string): number {
  return value === '0' ? 0 : parsePort(value);
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a whole number >= 0`);
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`'${value}' is not a number > 0`);
  return n;
}

export function parseNonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a number >= 0`);
  return n;
}

export function parseRate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`'${value}' is not a rate between 0 and 1`);
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  return n;
}

/** An ISO 8601 instant (UTC unless it says otherwise) or a date (midnight UTC) → epoch ms. */
export function parseInstant(value: string): number {
  const text = /^\d{4}-\d{2}-\d{2}T/.test(value) && !/(Z|[+-]\d\d:?\d\d)$/i.test(value) ? `${value}Z` : value;
  const parsed = instant.safeParse(text);
  if (!parsed.success) throw new InvalidArgumentError(`'${value}' is not an ISO 8601 time like 2025-03-01T00:00:00Z or a date like 2025-03-01`);
  return parsed.data;
}
