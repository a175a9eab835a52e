/**
 * API tokens from configuration (`RECON_API_TOKENS` or `api.tokens` in RECON_CONFIG_FILE):
 *
 *   name:token:scope+scope[,name:token:scope...]      e.g. finance:3f9c…:statements:read+runs:read
 *
 * Only the SHA-256 of each token is kept in memory. Errors name the entry and what is wrong with
 * it, never the token itself.
 */
import { createHash } from 'node:crypto';
import { API_SCOPES, isApiScope, type ApiScope } from './scopes';

export interface ApiToken {
  /** Who holds the token: appears in logs instead of the token. */
  name: string;
  scopes: ReadonlySet<ApiScope>;
  sha256: Buffer;
}

export class TokenConfigError extends Error {
  override name = 'TokenConfigError';
}

/** Long enough that guessing is hopeless; `openssl rand -hex 32` gives 64 characters. */
export const TOKEN_LENGTH_MIN = 32;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
// No ':' or ',' (they separate fields and entries); the characters of hex, base64 and base64url.
const TOKEN = /^[A-Za-z0-9._~+/=-]+$/;
const ENTRIES_MAX = 100;

export function tokenSha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function parseTokenSpec(spec: string): ApiToken[] {
  const entries = spec.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new TokenConfigError('RECON_API_TOKENS holds no tokens');
  if (entries.length > ENTRIES_MAX) throw new TokenConfigError(`RECON_API_TOKENS holds ${entries.length} tokens; at most ${ENTRIES_MAX}`);
  const tokens = entries.map((entry, index) => parseEntry(entry, index + 1));
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const token of tokens) {
    if (names.has(token.name)) throw new TokenConfigError(`RECON_API_TOKENS names ${token.name} twice`);
    const hex = token.sha256.toString('hex');
    if (hashes.has(hex)) throw new TokenConfigError(`RECON_API_TOKENS gives ${token.name} the same token as another entry`);
    names.add(token.name);
    hashes.add(hex);
  }
  return tokens;
}

function parseEntry(entry: string, position: number): ApiToken {
  const fields = entry.split(':');
  // Scopes contain ':' themselves (runs:read), so the first two fields are name and token.
  const [name, token] = fields;
  const scopeText = fields.slice(2).join(':');
  const where = `RECON_API_TOKENS entry ${position}`;
  if (!name || !NAME.test(name)) throw new TokenConfigError(`${where}: the name must be letters, digits, '.', '_' or '-' (at most 64), as in name:token:runs:read+ledger:read`);
  if (!token || !TOKEN.test(token)) throw new TokenConfigError(`${where} (${name}): the token is missing or has characters other than letters, digits and . _ ~ + / = -`);
  if (token.length < TOKEN_LENGTH_MIN) throw new TokenConfigError(`${where} (${name}): the token is shorter than ${TOKEN_LENGTH_MIN} characters (try \`openssl rand -hex 32\`)`);
  const scopes = scopeText.split('+').map((s) => s.trim()).filter(Boolean);
  if (scopes.length === 0) throw new TokenConfigError(`${where} (${name}): no scopes; choose from ${API_SCOPES.join(', ')}`);
  const unknown = scopes.filter((s) => !isApiScope(s));
  if (unknown.length > 0) throw new TokenConfigError(`${where} (${name}): unknown scope ${unknown.join(', ')}; choose from ${API_SCOPES.join(', ')}`);
  return { name, scopes: new Set(scopes as ApiScope[]), sha256: tokenSha256(token) };
}

/** The token values of a spec, so the logger can mask them should one ever reach a log line. */
export function tokenValues(spec: string): string[] {
  return spec
    .split(',')
    .map((entry) => entry.trim().split(':')[1])
    .filter((token): token is string => typeof token === 'string' && token.length > 0);
}
