/**
 * Redaction of secrets before anything is logged or written: values under secret-looking keys are
 * replaced, and registered secret values are masked wherever they appear inside strings.
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /^(password|encryptedpassword|cst|x-security-token|securitytoken|security_token|x-cap-api-key|apikey|api_key|authorization|identifier|secret|token|accesstoken|refreshtoken|cookie|set-cookie)$/i;
const MAX_DEPTH = 12;
const MIN_SECRET_LENGTH = 4;

const secretValues = new Set<string>();

/** Registers a secret value (an API key, a session token) so it is masked in any logged text. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secretValues.add(value);
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || /password|secret/i.test(key);
}

export function maskSecrets(text: string): string {
  let masked = text;
  for (const secret of secretValues) {
    if (masked.includes(secret)) masked = masked.split(secret).join(REDACTED);
  }
  return masked;
}

/** A deep copy of `value` with secret keys and registered secret values redacted. */
export function redact(value: unknown): unknown {
  return redactAt(value, 0, new WeakSet());
}

function redactAt(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);

  if (value instanceof Error) {
    const copy: Record<string, unknown> = { type: value.name, message: maskSecrets(value.message) };
    if (value.stack) copy.stack = maskSecrets(value.stack);
    for (const [key, inner] of Object.entries(value)) copy[key] = redactEntry(key, inner, depth, seen);
    if (value.cause !== undefined) copy.cause = redactAt(value.cause, depth + 1, seen);
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => redactAt(item, depth + 1, seen));
  if (value instanceof Date || Buffer.isBuffer(value) || value instanceof Map || value instanceof Set) return value;

  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = redactEntry(key, inner, depth, seen);
  return copy;
}

function redactEntry(key: string, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (isSecretKey(key) && value !== undefined && value !== null && value !== '') return REDACTED;
  return redactAt(value, depth + 1, seen);
}
