import { constants, generateKeyPairSync, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import { SlidingWindow } from '../lib/capital/rate-limit';
import type { SimulatorClock } from './clock';

export interface SimulatorCredentials {
  apiKey: string;
  identifier: string;
  password: string;
}

export interface SimulatorSession {
  cst: string;
  securityToken: string;
  accountId: string;
  createdAt: number;
  lastUsedAt: number;
  requests: number;
}

export interface SessionPolicy {
  /** Idle expiry; the broker's is 10 minutes after last use. */
  idleTimeoutMs: number;
  /** Optional cap from creation regardless of use (0 = none). */
  hardLifetimeMs: number;
  /** How far an encrypted password's timestamp may be from now. */
  encryptionTimestampToleranceMs: number;
}

/** A CST and X-SECURITY-TOKEN pair as the simulator handed it out. */
export interface IssuedTokens {
  cst: string;
  securityToken: string;
}

/** How many issued pairs `issuedTokens()` remembers (the oldest are forgotten first). */
export const ISSUED_TOKENS_KEPT_MAX = 100_000;

export type LoginResult =
  | { ok: true; session: SimulatorSession }
  | { ok: false; status: number; errorCode: string };

export type Authentication =
  | { ok: true; session: SimulatorSession }
  | { ok: false; status: number; errorCode: string };

/**
 * Sessions as the broker keeps them: a real RSA key pair for encrypted passwords, CST and
 * X-SECURITY-TOKEN pairs with a sliding idle expiry, logins limited to 1 per second per API key.
 */
export class SessionStore {
  private readonly privateKey: KeyObject;
  readonly encryptionKey: string;
  private readonly byCst = new Map<string, SimulatorSession>();
  private readonly issued: IssuedTokens[] = [];
  private readonly loginLimiter: SlidingWindow;

  constructor(
    private readonly credentials: SimulatorCredentials,
    private readonly defaultAccountId: () => string,
    private readonly clock: SimulatorClock,
    readonly policy: SessionPolicy,
  ) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.encryptionKey = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    this.loginLimiter = new SlidingWindow(1, 1_000);
  }

  apiKeyMatches(apiKey: string | undefined): boolean {
    return apiKey === this.credentials.apiKey;
  }

  login(apiKey: string | undefined, identifier: unknown, password: unknown, encrypted: boolean): LoginResult {
    if (!apiKey) return { ok: false, status: 400, errorCode: 'error.null.api.key' };
    if (!this.loginLimiter.tryAcquire(this.clock.now()).granted) return { ok: false, status: 429, errorCode: 'error.too-many.requests' };
    if (!this.apiKeyMatches(apiKey) || identifier !== this.credentials.identifier || typeof password !== 'string') {
      return { ok: false, status: 401, errorCode: 'error.invalid.details' };
    }
    const plain = encrypted ? this.decryptPassword(password) : password;
    if (plain !== this.credentials.password) return { ok: false, status: 401, errorCode: 'error.invalid.details' };

    const now = this.clock.now();
    const session: SimulatorSession = {
      cst: randomBytes(18).toString('base64url'),
      securityToken: randomBytes(18).toString('base64url'),
      accountId: this.defaultAccountId(),
      createdAt: now,
      lastUsedAt: now,
      requests: 0,
    };
    this.byCst.set(session.cst, session);
    this.issued.push({ cst: session.cst, securityToken: session.securityToken });
    if (this.issued.length > ISSUED_TOKENS_KEPT_MAX) this.issued.shift();
    this.evictExpired(now);
    return { ok: true, session };
  }

  /** Checks the two tokens and slides the idle expiry. */
  authenticate(cst: string | undefined, securityToken: string | undefined): Authentication {
    if (!cst || !securityToken) return { ok: false, status: 400, errorCode: 'error.null.client.token' };
    const session = this.byCst.get(cst);
    const now = this.clock.now();
    if (!session || session.securityToken !== securityToken || this.expired(session, now)) {
      if (session) this.byCst.delete(cst);
      return { ok: false, status: 401, errorCode: 'error.invalid.session.token' };
    }
    session.lastUsedAt = now;
    session.requests++;
    return { ok: true, session };
  }

  /** The streaming endpoint's check: same tokens, same expiry, no side effects on counters. */
  isValid(cst: string | undefined, securityToken: string | undefined): boolean {
    const session = cst ? this.byCst.get(cst) : undefined;
    if (!session || session.securityToken !== securityToken || this.expired(session, this.clock.now())) return false;
    session.lastUsedAt = this.clock.now();
    return true;
  }

  end(session: SimulatorSession): void {
    this.byCst.delete(session.cst);
  }

  /** Fault injection and admin: every current session becomes invalid. */
  invalidateAll(): number {
    const count = this.byCst.size;
    this.byCst.clear();
    return count;
  }

  count(): number {
    return this.byCst.size;
  }

  /**
   * Every token pair issued since the simulator started, expired and invalidated ones included,
   * oldest first: read-only, for tests that search for them where they must never appear.
   */
  issuedTokens(): readonly IssuedTokens[] {
    return this.issued.map((tokens) => ({ ...tokens }));
  }

  private decryptPassword(encrypted: string): string | undefined {
    try {
      const decoded = decryptPkcs1v15(this.privateKey, Buffer.from(encrypted, 'base64'));
      if (!decoded) return undefined;
      const [password, stamp] = splitLast(Buffer.from(decoded.toString('utf8'), 'base64').toString('utf8'), '|');
      const timeStamp = Number(stamp);
      if (!Number.isFinite(timeStamp) || Math.abs(this.clock.now() - timeStamp) > this.policy.encryptionTimestampToleranceMs) return undefined;
      return password;
    } catch {
      return undefined;
    }
  }

  private expired(session: SimulatorSession, now: number): boolean {
    if (now - session.lastUsedAt >= this.policy.idleTimeoutMs) return true;
    return this.policy.hardLifetimeMs > 0 && now - session.createdAt >= this.policy.hardLifetimeMs;
  }

  private evictExpired(now: number): void {
    for (const [cst, session] of this.byCst) if (this.expired(session, now)) this.byCst.delete(cst);
  }
}

/**
 * RSA PKCS#1 v1.5 decryption, which Node refuses in `privateDecrypt` since the Marvin-attack
 * mitigation (CVE-2023-46809). Raw RSA, then the padding block `00 02 <non-zero bytes> 00 message`
 * is checked and removed here: acceptable for a test server with no secrets to protect.
 */
function decryptPkcs1v15(privateKey: KeyObject, ciphertext: Buffer): Buffer | undefined {
  const block = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext);
  if (block[0] !== 0x00 || block[1] !== 0x02) return undefined;
  const separator = block.indexOf(0x00, 2);
  if (separator < 10) return undefined; // at least 8 bytes of padding
  return block.subarray(separator + 1);
}

function splitLast(text: string, separator: string): [string, string] {
  const at = text.lastIndexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}
