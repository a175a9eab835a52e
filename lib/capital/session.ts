import { createHash } from 'node:crypto';
import type { Logger } from '../log';
import { registerSecret } from '../redact';
import { CapitalResponseError, CapitalSessionError, SessionInvalidSignal } from './errors';
import { encryptPassword } from './password';
import { loginLimiterFor, realClock, type LimiterClock } from './rate-limit';
import type { CapitalRequest, CapitalResponse, CapitalTransport, TransportEvent } from './transport';

export interface CapitalCredentials {
  apiKey: string;
  /** The login e-mail. */
  identifier: string;
  /** The API key's custom password (not the account password). */
  password: string;
}

export interface SessionOptions {
  transport: CapitalTransport;
  credentials: CapitalCredentials;
  /** Log in with the RSA-encrypted password (§1.4); default true. */
  encryptPassword?: boolean;
  /** Switch to this account after login when it is not the current one. */
  accountId?: string;
  /** Ping when the session has been idle this long; the broker expires it after 10 minutes. */
  keepAliveIdleMs?: number;
  /** Log in again after this long even when active (a ~1 h cap is reported, unconfirmed); 0 = never. */
  hardLifetimeMs?: number;
  clock?: LimiterClock;
  log: Logger;
  onEvent?: (event: TransportEvent) => void;
}

export interface SessionTokens {
  cst: string;
  securityToken: string;
}

/** What the login told us that other parts need (streaming host, accounts). */
export interface SessionInfo {
  currentAccountId: string;
  streamingHost?: string;
  accountIds: string[];
  loggedInAt: number;
}

const DEFAULT_KEEP_ALIVE_IDLE_MS = 8 * 60_000;
const DEFAULT_HARD_LIFETIME_MS = 50 * 60_000;
const KEEP_ALIVE_CHECK_MS = 30_000;

const loginQueues = new Map<string, Promise<unknown>>();

/** A stable, non-reversible name for an API key, for maps and logs. */
export function apiKeyFingerprint(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}

/**
 * One authenticated session with Capital.com. Attaches the tokens to every request, keeps them
 * fresh from every response, keeps the session alive, and logs in again (once per failure) when
 * the broker says the tokens are no longer valid.
 */
export class CapitalSession {
  private tokens: SessionTokens | undefined;
  private info: SessionInfo | undefined;
  private generation = 0;
  private lastUsedAt = 0;
  private renewing: Promise<void> | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private readonly clock: LimiterClock;
  readonly fingerprint: string;

  constructor(private readonly options: SessionOptions) {
    this.clock = options.clock ?? realClock;
    this.fingerprint = apiKeyFingerprint(options.credentials.apiKey);
    registerSecret(options.credentials.apiKey);
    registerSecret(options.credentials.password);
    registerSecret(options.credentials.identifier);
  }

  /** Sends an authenticated request; logs in first when needed and once more on a session error. */
  async request(request: CapitalRequest): Promise<CapitalResponse> {
    await this.ensureFresh();
    const sentWith = this.generation;
    try {
      return await this.sendWithTokens(request);
    } catch (error) {
      if (!(error instanceof SessionInvalidSignal)) throw error;
      await this.renew(sentWith, `${error.code} on ${error.endpoint}`);
      try {
        return await this.sendWithTokens(request);
      } catch (again) {
        if (again instanceof SessionInvalidSignal) throw new CapitalSessionError(again.endpoint, again.code);
        throw again;
      }
    }
  }

  /** The current tokens, logging in first if needed (the WebSocket sends them in every message). */
  async currentTokens(): Promise<SessionTokens> {
    await this.ensureFresh();
    return this.tokens as SessionTokens;
  }

  /** Tokens as they are now, without I/O; undefined before the first login. */
  peekTokens(): SessionTokens | undefined {
    return this.tokens;
  }

  sessionInfo(): SessionInfo | undefined {
    return this.info;
  }

  /** Logs in again (used by the streaming client on `error.invalid.session.token`). */
  async forceRenew(reason: string): Promise<void> {
    await this.renew(this.generation, reason);
  }

  /** Ends the session on the broker (`DELETE /session`) and stops the keep-alive. */
  async logout(): Promise<void> {
    this.stopKeepAlive();
    if (!this.tokens) return;
    try {
      await this.sendWithTokens({ method: 'DELETE', path: '/session' });
    } finally {
      this.tokens = undefined;
      this.info = undefined;
    }
  }

  /** Stops the keep-alive timer without logging out (process shutdown). */
  close(): void {
    this.stopKeepAlive();
  }

  private async ensureFresh(): Promise<void> {
    if (!this.tokens) return this.renew(this.generation, 'no session yet');
    const hardLifetimeMs = this.options.hardLifetimeMs ?? DEFAULT_HARD_LIFETIME_MS;
    if (hardLifetimeMs > 0 && this.info && this.clock.now() - this.info.loggedInAt >= hardLifetimeMs) {
      return this.renew(this.generation, 'hard lifetime reached');
    }
  }

  private async sendWithTokens(request: CapitalRequest): Promise<CapitalResponse> {
    const tokens = this.tokens as SessionTokens;
    const generation = this.generation;
    const response = await this.options.transport.send({
      ...request,
      headers: { ...request.headers, CST: tokens.cst, 'X-SECURITY-TOKEN': tokens.securityToken },
    });
    this.lastUsedAt = this.clock.now();
    // An answer to a request sent before a re-login carries the old session's tokens: keep the new ones.
    if (response.tokens && generation === this.generation) this.tokens = response.tokens;
    return response;
  }

  /** Logs in unless someone already did since `seenGeneration`; concurrent callers share one login. */
  private renew(seenGeneration: number, reason: string): Promise<void> {
    if (this.generation !== seenGeneration && this.tokens) return Promise.resolve();
    this.renewing ??= this.loginSerialised(reason).finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private loginSerialised(reason: string): Promise<void> {
    const previous = loginQueues.get(this.fingerprint) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => this.login(reason));
    loginQueues.set(this.fingerprint, mine);
    return mine;
  }

  private async login(reason: string): Promise<void> {
    const { transport, credentials, log } = this.options;
    this.options.onEvent?.({ type: 'login', endpoint: 'POST /session', reason });
    log.info({ reason, apiKey: this.fingerprint }, 'logging in to Capital.com');

    const password = await this.passwordForLogin();
    const loginSlot = await loginLimiterFor(this.fingerprint, this.clock).acquire();
    const response = await transport
      .send({
        method: 'POST',
        path: '/session',
        headers: { 'X-CAP-API-KEY': credentials.apiKey },
        body: { identifier: credentials.identifier, password, encryptedPassword: this.options.encryptPassword !== false },
      })
      .finally(() => loginSlot.done());
    if (!response.tokens) throw new CapitalResponseError('POST /session', 'headers.CST', 'the CST and X-SECURITY-TOKEN headers are missing');
    this.tokens = response.tokens;
    this.info = readSessionInfo(response.body, this.clock.now());
    this.generation++;
    this.lastUsedAt = this.clock.now();

    if (this.options.accountId && this.options.accountId !== this.info.currentAccountId) {
      await this.sendWithTokens({ method: 'PUT', path: '/session', body: { accountId: this.options.accountId } });
      this.info = { ...this.info, currentAccountId: this.options.accountId };
    }
    this.startKeepAlive();
  }

  private async passwordForLogin(): Promise<string> {
    const { transport, credentials } = this.options;
    if (this.options.encryptPassword === false) return credentials.password;
    const response = await transport.send({ method: 'GET', path: '/session/encryptionKey', headers: { 'X-CAP-API-KEY': credentials.apiKey } });
    const body = response.body as { encryptionKey?: unknown; timeStamp?: unknown };
    if (typeof body.encryptionKey !== 'string') throw new CapitalResponseError('GET /session/encryptionKey', 'encryptionKey', 'expected a string');
    if (typeof body.timeStamp !== 'number') throw new CapitalResponseError('GET /session/encryptionKey', 'timeStamp', 'expected a number');
    return encryptPassword(credentials.password, body.encryptionKey, body.timeStamp);
  }

  private startKeepAlive(): void {
    if (this.keepAliveTimer) return;
    const idleMs = this.options.keepAliveIdleMs ?? DEFAULT_KEEP_ALIVE_IDLE_MS;
    this.keepAliveTimer = setInterval(() => void this.keepAlive(idleMs), Math.min(KEEP_ALIVE_CHECK_MS, Math.max(idleMs / 2, 10)));
    this.keepAliveTimer.unref();
  }

  private async keepAlive(idleMs: number): Promise<void> {
    if (!this.tokens || this.renewing || this.clock.now() - this.lastUsedAt < idleMs) return;
    this.options.onEvent?.({ type: 'keep-alive', endpoint: 'GET /ping' });
    try {
      await this.request({ method: 'GET', path: '/ping' });
    } catch (error) {
      this.options.log.warn({ err: error }, 'keep-alive ping failed; the next request logs in again if needed');
    }
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }
}

function readSessionInfo(body: unknown, now: number): SessionInfo {
  const value = body as { currentAccountId?: unknown; streamingHost?: unknown; accounts?: Array<{ accountId?: unknown }> };
  if (typeof value?.currentAccountId !== 'string') throw new CapitalResponseError('POST /session', 'currentAccountId', 'expected a string');
  return {
    currentAccountId: value.currentAccountId,
    streamingHost: typeof value.streamingHost === 'string' ? value.streamingHost : undefined,
    accountIds: Array.isArray(value.accounts) ? value.accounts.map((a) => a?.accountId).filter((id): id is string => typeof id === 'string') : [],
    loggedInAt: now,
  };
}
