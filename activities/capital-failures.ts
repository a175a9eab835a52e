import { ApplicationFailure } from '@temporalio/common';
import { CapitalError } from '../lib/capital/errors';
import { maskSecrets } from '../lib/redact';

/**
 * A Capital.com client error as a Temporal failure: retryable ones (the broker was unavailable
 * past the client's own retry bound, a session could not be re-established) stay retryable for
 * the activity's retry policy; the rest (validation, auth, unexpected shapes, ambiguous trades)
 * fail the activity at once. The type is the error's class, the details its code, endpoint and
 * bound; messages are masked, so no secret reaches the workflow history.
 */
export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof CapitalError)) return error;
  const details = {
    endpoint: error.endpoint,
    ...('code' in error ? { code: error.code } : {}),
    ...('bound' in error && error.bound !== undefined ? { bound: error.bound } : {}),
    ...('field' in error ? { field: error.field } : {}),
  };
  const message = maskSecrets(error.message);
  return error.retryable ? ApplicationFailure.retryable(message, error.name, details) : ApplicationFailure.nonRetryable(message, error.name, details);
}

/** Wraps an activity so Capital.com errors leave it as the right kind of Temporal failure. */
export function withCapitalFailures<Args extends unknown[], Result>(activity: (...args: Args) => Promise<Result>): (...args: Args) => Promise<Result> {
  return async (...args: Args) => {
    try {
      return await activity(...args);
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
}
