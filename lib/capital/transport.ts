import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log';
import { registerSecret } from '../redact';
import {
  AUTH_ERROR_CODES,
  CapitalAmbiguousError,
  CapitalAuthError,
  CapitalRequestError,
  CapitalUnavailableError,
  isLeakedBackendException,
  parseErrorCode,
  SESSION_ERROR_CODES,
  SessionInvalidSignal,
} from './errors';
import type { UserLimiters } from './rate-limit';
import type { HttpMethod } from './schemas';

export interface CapitalRequest {
  /** Stable name for messages and traces, e.g. `GET /positions/:dealId`; default method + path. */
  endpoint?: string;
  method: HttpMethod;
  /** Path below /api/v1, e.g. `/positions/abc`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Opening positions or creating orders: the trading limits apply, and no blind retries. */
  trading?: boolean;
}

export interface CapitalResponse {
  status: number;
  body: unknown;
  /** Session tokens when the response carried them (every authenticated response may rotate them). */
  tokens?: { cst: string; securityToken: string };
}

/** What happened on the wire that an auditor may want to see (recorded in proof traces). */
export type TransportEvent =
  | { type: 'retry'; endpoint: string; attempt: number; delayMs: number; problem: string }
  | { type: 'login'; endpoint: string; reason: string }
  | { type: 'keep-alive'; endpoint: string };

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface TransportOptions {
  baseUrl: string;
  limiters: UserLimiters;
  log: Logger;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
  onEvent?: (event: TransportEvent) => void;
  /** For jitter; injectable so tests are repeatable. */
  random?: () => number;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 8_000 };
const DEFAULT_TIMEOUT_MS = 30_000;

/** `GET /positions/:id`-style name of a request, for messages, logs and traces. */
export function endpointName(request: Pick<CapitalRequest, 'endpoint' | 'method' | 'path'>): string {
  return request.endpoint ?? `${request.method} ${request.path}`;
}

type Outcome =
  | { kind: 'ok'; response: CapitalResponse }
  | { kind: 'transient'; problem: string; retryAfterMs?: number; sent: boolean }
  | { kind: 'fatal'; error: Error };

/**
 * One logical call to the Capital.com REST API: rate-limited, with bounded, jittered retries for
 * 429s, 5xx, network faults, truncated bodies and leaked backend exceptions, and typed errors for
 * everything else. Session errors are signalled to the session layer, which logs in again.
 */
export class CapitalTransport {
  private readonly retry: RetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;

  constructor(private readonly options: TransportOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.fetchImpl = options.fetch ?? fetch;
    this.random = options.random ?? Math.random;
  }

  async send(request: CapitalRequest): Promise<CapitalResponse> {
    const endpoint = endpointName(request);
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      const leases = await this.acquireLimits(request);
      let outcome: Outcome;
      try {
        outcome = await this.attempt(request, endpoint);
      } finally {
        for (const lease of leases) lease.done();
      }
      if (outcome.kind === 'ok') return outcome.response;
      if (outcome.kind === 'fatal') throw outcome.error;

      lastProblem = outcome.problem;
      if (request.trading && outcome.sent) throw new CapitalAmbiguousError(endpoint, outcome.problem);
      if (attempt === this.retry.maxAttempts) break;
      const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.max(Math.round(backoff * (0.5 + this.random() / 2)), outcome.retryAfterMs ?? 0);
      this.options.onEvent?.({ type: 'retry', endpoint, attempt, delayMs, problem: outcome.problem });
      this.options.log.warn({ endpoint, attempt, delayMs, problem: outcome.problem }, 'Capital.com call failed; retrying');
      await sleep(delayMs);
    }
    throw new CapitalUnavailableError(endpoint, this.retry.maxAttempts, lastProblem);
  }

  /** Slots in every limit the request falls under; released when its response is back. */
  private async acquireLimits(request: CapitalRequest): Promise<Array<{ done(): void }>> {
    const { limiters } = this.options;
    const leases = [await limiters.requests.acquire()];
    if (request.trading) {
      if (limiters.demoTradingHourly) leases.push(await limiters.demoTradingHourly.acquire());
      leases.push(await limiters.trading.acquire());
    }
    return leases;
  }

  private async attempt(request: CapitalRequest, endpoint: string): Promise<Outcome> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(request), {
        method: request.method,
        headers: { Accept: 'application/json', ...(request.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...request.headers },
        body: request.body !== undefined ? JSON.stringify(request.body) : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error) {
      // Refused connections never reached the server; anything else might have.
      const refused = (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      return { kind: 'transient', problem: `network: ${describeFetchError(error)}`, sent: !refused };
    }

    let bytes: ArrayBuffer;
    try {
      bytes = await response.arrayBuffer();
    } catch (error) {
      return { kind: 'transient', problem: `body interrupted: ${describeFetchError(error)}`, sent: true };
    }
    // Strict: a lenient decoder would turn bytes that are not UTF-8 into U+FFFD and hand the ledger
    // references and names the broker never sent. Such a body is handled like malformed JSON.
    const text = utf8OrUndefined(bytes);
    if (text === undefined && (response.ok || response.status >= 500)) {
      return { kind: 'transient', problem: `${response.status} with a body that is not UTF-8 (${bytes.byteLength} bytes)`, sent: true };
    }
    let body: unknown = {};
    if (text !== undefined && text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        if (response.ok || response.status >= 500) {
          return { kind: 'transient', problem: `${response.status} with malformed JSON (${text.length} bytes)`, sent: true };
        }
        body = {};
      }
    }

    const tokens = readTokens(response.headers);
    if (response.ok) return { kind: 'ok', response: { status: response.status, body, tokens } };
    return classifyFailure(endpoint, response, body);
  }

  private url(request: CapitalRequest): string {
    const url = new URL(`${this.options.baseUrl}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }
}

function classifyFailure(endpoint: string, response: Response, body: unknown): Outcome {
  const status = response.status;
  const rawCode = typeof (body as { errorCode?: unknown })?.errorCode === 'string' ? (body as { errorCode: string }).errorCode : undefined;
  const { code, bound } = rawCode ? parseErrorCode(rawCode) : { code: `http.${status}`, bound: undefined };

  if (SESSION_ERROR_CODES.has(code)) return { kind: 'fatal', error: new SessionInvalidSignal(endpoint, code) };
  if (status === 429 || status >= 500 || isLeakedBackendException(code)) {
    return { kind: 'transient', problem: `${status} ${code}`, retryAfterMs: retryAfterMs(response.headers), sent: status !== 429 };
  }
  if (status === 401 || AUTH_ERROR_CODES.has(code)) return { kind: 'fatal', error: new CapitalAuthError(endpoint, status, code) };
  return { kind: 'fatal', error: new CapitalRequestError(endpoint, status, code, bound) };
}

function readTokens(headers: Headers): CapitalResponse['tokens'] {
  const cst = headers.get('cst');
  const securityToken = headers.get('x-security-token');
  if (!cst || !securityToken) return undefined;
  registerSecret(cst);
  registerSecret(securityToken);
  return { cst, securityToken };
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, 60_000) : undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrUndefined(bytes: ArrayBuffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
