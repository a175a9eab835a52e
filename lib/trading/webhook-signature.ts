/**
 * Signatures on alert webhooks, so a receiver can tell our deliveries from anyone else's and refuse
 * replays: `X-Recon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<raw body>">` with
 * the shared secret (RECON_ALERT_WEBHOOK_SECRET). The timestamp is inside the signed text, so an old
 * delivery cannot be sent again with a fresh time. Receivers compare in constant time
 * (`verifyAlertSignature` does) and reject timestamps outside their tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-recon-signature';
export const SIGNATURE_TOLERANCE_SECONDS_DEFAULT = 300;

export function signAlertBody(secret: string, body: string, atMs: number): string {
  const seconds = Math.floor(atMs / 1000);
  return `t=${seconds},v1=${hmacHex(secret, seconds, body)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyAlertSignature(secret: string, body: string, header: string | undefined, nowMs: number, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS_DEFAULT): SignatureCheck {
  if (!header) return { ok: false, reason: 'no signature header' };
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const seconds = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(seconds) || !/^[0-9a-f]{64}$/.test(given)) return { ok: false, reason: 'malformed signature header' };
  if (Math.abs(nowMs / 1000 - seconds) > toleranceSeconds) return { ok: false, reason: `timestamp outside the ${toleranceSeconds} s tolerance` };
  const expected = Buffer.from(hmacHex(secret, seconds, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(given, 'hex')) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

function hmacHex(secret: string, seconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${seconds}.${body}`, 'utf8').digest('hex');
}
