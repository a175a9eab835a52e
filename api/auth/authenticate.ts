import { timingSafeEqual } from 'node:crypto';
import { tokenSha256, type ApiToken } from './tokens';

/** The bearer token of an Authorization header, or undefined when there is none or it is malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return match?.[1];
}

/**
 * The configured token matching `presented`. Compares SHA-256 digests (equal lengths, so
 * timingSafeEqual applies) and always checks every entry, so the time taken says nothing about
 * which token, or how much of one, was right.
 */
export function findToken(tokens: readonly ApiToken[], presented: string | undefined): ApiToken | undefined {
  if (presented === undefined) return undefined;
  const digest = tokenSha256(presented);
  let found: ApiToken | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(digest, token.sha256) && !found) found = token;
  }
  return found;
}
