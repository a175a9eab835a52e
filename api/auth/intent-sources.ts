/**
 * Who may send trade intents (`RECON_INTENT_SOURCES`), one entry per source:
 *
 *   name:hmac:secret:accountId     signs each delivery (x-recon-signature, lib/trading/webhook-signature.ts)
 *   name:token:token:accountId     cannot sign (TradingView): sends the token, ?token= or x-recon-token
 *
 * A source trades on one account. Tokens are kept as SHA-256 digests and compared in constant time;
 * secrets are needed in full to check signatures. Errors name the entry, never the secret.
 */
import { timingSafeEqual } from 'node:crypto';
import { verifyWebhookSignature } from '../../lib/trading/webhook-signature';
import { TOKEN_LENGTH_MIN, tokenSha256 } from './tokens';

export interface IntentSource {
  name: string;
  accountId: string;
  auth: { kind: 'hmac'; secret: string } | { kind: 'token'; sha256: Buffer };
}

export class IntentSourceConfigError extends Error {
  override name = 'IntentSourceConfigError';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SECRET = /^[A-Za-z0-9._~+/=-]+$/;
const ACCOUNT = /^[A-Za-z0-9._-]{1,64}$/;
/** Signed deliveries older or newer than this are refused (and remembered for as long, against replays). */
export const REPLAY_WINDOW_SECONDS = 300;

export function parseIntentSources(spec: string): IntentSource[] {
  const entries = spec.split(',').map((e) => e.trim()).filter(Boolean);
  const sources = entries.map((entry, index) => {
    const [name, kind, secret, accountId, ...rest] = entry.split(':');
    const where = `RECON_INTENT_SOURCES entry ${index + 1}`;
    if (!name || !NAME.test(name)) throw new IntentSourceConfigError(`${where}: the name must be letters, digits, '.', '_' or '-', as in tradingview:token:<token>:<accountId>`);
    if (kind !== 'hmac' && kind !== 'token') throw new IntentSourceConfigError(`${where} (${name}): the kind must be hmac or token`);
    if (!secret || !SECRET.test(secret) || secret.length < TOKEN_LENGTH_MIN) throw new IntentSourceConfigError(`${where} (${name}): the ${kind === 'hmac' ? 'secret' : 'token'} must be at least ${TOKEN_LENGTH_MIN} characters of letters, digits and . _ ~ + / = - (try \`openssl rand -hex 32\`)`);
    if (!accountId || !ACCOUNT.test(accountId) || rest.length > 0) throw new IntentSourceConfigError(`${where} (${name}): end the entry with the account id the source trades on`);
    return { name, accountId, auth: kind === 'hmac' ? { kind, secret } : { kind, sha256: tokenSha256(secret) } } satisfies IntentSource;
  });
  if (new Set(sources.map((s) => s.name)).size !== sources.length) throw new IntentSourceConfigError('RECON_INTENT_SOURCES names a source twice');
  return sources;
}

export type SourceCheck = { ok: true; source: IntentSource; signature?: string } | { ok: false; status: 401; reason: string };

/**
 * Authenticates one delivery. `source` names the sender (x-recon-source or ?source=); a signed
 * source must send a valid signature with a fresh timestamp, a token source its token. The reason
 * is for the log and the 401 body; it never contains what was presented.
 */
export function authenticateDelivery(sources: readonly IntentSource[], delivery: { source?: string; signature?: string; token?: string; rawBody: string; nowMs: number }): SourceCheck {
  const source = sources.find((s) => s.name === delivery.source);
  if (!source) return { ok: false, status: 401, reason: delivery.source ? `unknown source '${delivery.source}'` : 'no source named (x-recon-source header or ?source=)' };
  if (source.auth.kind === 'hmac') {
    if (!delivery.signature) return { ok: false, status: 401, reason: `source ${source.name} must sign its deliveries (x-recon-signature)` };
    const check = verifyWebhookSignature(source.auth.secret, delivery.rawBody, delivery.signature, delivery.nowMs, REPLAY_WINDOW_SECONDS);
    return check.ok ? { ok: true, source, signature: delivery.signature } : { ok: false, status: 401, reason: `source ${source.name}: ${check.reason}` };
  }
  const presented = tokenSha256(delivery.token ?? '');
  return delivery.token !== undefined && timingSafeEqual(presented, source.auth.sha256) ? { ok: true, source } : { ok: false, status: 401, reason: `source ${source.name}: ${delivery.token === undefined ? 'no token' : 'wrong token'}` };
}
