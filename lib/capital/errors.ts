/**
 * Errors of the Capital.com client. Activities map `retryable` to Temporal's retry policy:
 * retryable errors become ordinary failures, the others non-retryable ApplicationFailures.
 */

export abstract class CapitalError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    /** `GET /history/transactions`, say: which call failed. */
    readonly endpoint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The broker rejected the request as invalid (400 `error.invalid.*`, 404 `error.not-found.*`, …). */
export class CapitalRequestError extends CapitalError {
  override name = 'CapitalRequestError';
  readonly retryable = false;
  constructor(
    endpoint: string,
    readonly status: number,
    /** The code without its bound: `error.invalid.stoploss.minvalue`. */
    readonly code: string,
    /** The number after `:` when the broker sends one (a minimum distance, a maximum level). */
    readonly bound: string | undefined,
  ) {
    super(`${endpoint} was rejected: ${status} ${code}${bound !== undefined ? ` (bound ${bound})` : ''}`, endpoint);
  }
}

/** Bad credentials or a missing API key: retrying cannot help. */
export class CapitalAuthError extends CapitalError {
  override name = 'CapitalAuthError';
  readonly retryable = false;
  constructor(
    endpoint: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(`${endpoint}: authentication failed (${status} ${code}). Check CAPITAL_API_KEY, CAPITAL_IDENTIFIER and the API key's custom password.`, endpoint);
  }
}

/** The worker has no Capital.com credentials configured: retrying cannot help until someone sets them. */
export class CapitalCredentialsMissingError extends CapitalError {
  override name = 'CapitalCredentialsMissingError';
  readonly retryable = false;
  constructor(readonly missing: string[]) {
    super(`Capital.com credentials missing: set ${missing.join(', ')} (or run against the simulator: recon sim prints its credentials).`, 'configuration');
  }
}

/** 429s, 5xx, network faults and leaked backend exceptions that persisted past the retry bound. */
export class CapitalUnavailableError extends CapitalError {
  override name = 'CapitalUnavailableError';
  readonly retryable = true;
  constructor(
    endpoint: string,
    readonly attempts: number,
    readonly lastProblem: string,
    options?: { cause?: unknown },
  ) {
    super(`${endpoint} still failing after ${attempts} attempts: ${lastProblem}`, endpoint, options);
  }
}

/** The session could not be re-established after it expired or was invalidated. */
export class CapitalSessionError extends CapitalError {
  override name = 'CapitalSessionError';
  readonly retryable = true;
  constructor(
    endpoint: string,
    readonly code: string,
  ) {
    super(`${endpoint}: session lost (${code}) and re-login did not recover it`, endpoint);
  }
}

/** The response did not have the documented shape: names the endpoint and the field. */
export class CapitalResponseError extends CapitalError {
  override name = 'CapitalResponseError';
  readonly retryable = false;
  constructor(
    endpoint: string,
    /** Dotted path of the first bad field, e.g. `transactions.3.size`; empty for the whole body. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${endpoint} returned an unexpected response${field ? ` at '${field}'` : ''}: ${problem}`, endpoint);
  }
}

/** Codes that mean "log in again", from the reference §1.5. */
export const SESSION_ERROR_CODES: ReadonlySet<string> = new Set([
  'error.invalid.session.token',
  'error.null.client.token',
  'error.security.client-token-missing',
]);

/** Splits `error.invalid.stoploss.minvalue: 17.146` into its code and bound. */
export function parseErrorCode(errorCode: string): { code: string; bound: string | undefined } {
  const colon = errorCode.indexOf(':');
  if (colon < 0) return { code: errorCode.trim(), bound: undefined };
  const bound = errorCode.slice(colon + 1).trim();
  return { code: errorCode.slice(0, colon).trim(), bound: bound === '' ? undefined : bound };
}

/** A Java exception name leaked into `errorCode` (e.g. `java.util.concurrent.TimeoutException`): transient. */
export function isLeakedBackendException(code: string): boolean {
  return /^(java|javax|org|com)\.[\w.$]+(Exception|Error)$/.test(code);
}

/**
 * A non-idempotent request (opening a position, creating an order) failed in a way that leaves its
 * outcome unknown: it may or may not have been executed. Never retried blindly; callers reconcile
 * through /confirms, /positions and /workingorders first.
 */
export class CapitalAmbiguousError extends CapitalError {
  override name = 'CapitalAmbiguousError';
  readonly retryable = false;
  constructor(
    endpoint: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${endpoint}: outcome unknown (${problem}); reconcile before retrying`, endpoint, options);
  }
}

/** Internal signal from the transport to the session: the tokens are no longer valid. */
export class SessionInvalidSignal extends Error {
  override name = 'SessionInvalidSignal';
  constructor(
    readonly endpoint: string,
    readonly code: string,
  ) {
    super(`${endpoint}: ${code}`);
  }
}

/** Codes that mean the credentials or API key are wrong (§2.3, current and legacy names). */
export const AUTH_ERROR_CODES: ReadonlySet<string> = new Set([
  'error.null.api.key',
  'error.invalid.details',
  'error.invalid.api.key',
  'error.security.api-key-missing',
  'error.security.invalid-details',
]);

/** A request we refuse to send because it breaks the API's documented rules (caught before the wire). */
export class CapitalInvalidRequestError extends CapitalError {
  override name = 'CapitalInvalidRequestError';
  readonly retryable = false;
  constructor(
    endpoint: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${endpoint}: invalid request${field ? ` at '${field}'` : ''}: ${problem}`, endpoint);
  }
}
