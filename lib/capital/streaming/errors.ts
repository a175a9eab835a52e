import { CapitalError } from '../errors';

/** The streaming server answered one of our messages with an ERROR frame (other than a session error). */
export class StreamingRequestError extends CapitalError {
  override name = 'StreamingRequestError';
  readonly retryable = false;
  constructor(
    readonly destination: string,
    readonly code: string,
    readonly correlationId: string | undefined,
  ) {
    super(`WebSocket ${destination} was rejected: ${code}`, `WebSocket ${destination}`);
  }
}

/** An ack listed some subscriptions with a status other than PROCESSED (an unknown epic, say). */
export class StreamingSubscriptionRejectedError extends CapitalError {
  override name = 'StreamingSubscriptionRejectedError';
  readonly retryable = false;
  constructor(
    readonly destination: string,
    /** Subscription key (`EPIC` or `EPIC:RESOLUTION:type`) → the status the server gave it. */
    readonly rejected: Readonly<Record<string, string>>,
  ) {
    const listed = Object.entries(rejected)
      .slice(0, 5)
      .map(([key, status]) => `${key}=${status}`)
      .join(', ');
    const more = Object.keys(rejected).length > 5 ? ', …' : '';
    super(`WebSocket ${destination}: not subscribed: ${listed}${more}`, `WebSocket ${destination}`);
  }
}

/** A connection failed `attempts` times in a row and stopped reconnecting. */
export class StreamingGaveUpError extends CapitalError {
  override name = 'StreamingGaveUpError';
  readonly retryable = true;
  constructor(
    readonly connectionId: number,
    readonly attempts: number,
    readonly lastProblem: string,
  ) {
    super(`streaming connection ${connectionId} gave up after ${attempts} attempts: ${lastProblem}`, 'WebSocket /connect');
  }
}
