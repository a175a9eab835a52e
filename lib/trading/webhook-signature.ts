/**
 * Webhook signatures, one scheme both ways: the alerts we send (secret RECON_ALERT_WEBHOOK_SECRET)
 * and the trade intents we receive (each source's secret). `X-Recon-Signature: t=<unix seconds>,
 * v1=<hex HMAC-SHA256 over "<t>.<raw body>">`. The timestamp is inside the signed text, so an old
 * delivery cannot be sent again with a fresh time; receivers compare in constant time
 * (`verifyWebhookSignature` does) and refuse timestamps outside their tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-recon-signature';
export const SIGNATURE_TOLERANCE_SECONDS_DEFAULT = 300;

export function signWebhookBody(secret: string, body: string, atMs: number): string {
  const seconds = Math.floor(atMs / 1000);
  return `t=${seconds},v1=${hmacHex(secret, seconds, body)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyWebhookSignature(secret: string, body: string, header: string | undefined, nowMs: number, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS_DEFAULT): SignatureCheck {
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
