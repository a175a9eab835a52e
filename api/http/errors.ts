import type { FastifyError, FastifyInstance } from 'fastify';

export interface FieldIssue {
  /** Where the bad value was: `query.limit`, `body.period`, `params.file`. */
  field: string;
  reason: string;
}

/** An answer the client can act on: a status, a stable code and one sentence. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: FieldIssue[],
    readonly headers?: Record<string, string>,
    /** More fields for the body (a refused trade intent's id and problems). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, issues?: FieldIssue[]) => new ApiError(400, 'bad_request', message, issues);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);
export const conflict = (message: string) => new ApiError(409, 'conflict', message);

const FILE_HEADERS = ['content-type', 'content-disposition', 'content-length', 'etag', 'x-content-sha256', 'cache-control'];

const CODE_BY_STATUS: Record<number, string> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 406: 'not_acceptable', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type' };

/**
 * Every error leaves as `{ error, message, requestId, issues? }`. Client errors say what was wrong;
 * anything else is logged here with its stack and answered with "internal error" and the request
 * id to quote, never with the stack or the underlying message.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    // A download that failed before its first byte must not keep the file's headers (fastify has
    // copied them onto the raw response already when it started the stream).
    for (const header of FILE_HEADERS) {
      reply.removeHeader(header);
      if (!reply.raw.headersSent) reply.raw.removeHeader(header);
    }
    void reply.type('application/json; charset=utf-8');
    if (error instanceof ApiError) {
      if (error.headers) void reply.headers(error.headers);
      return reply.code(error.statusCode).send({ error: error.code, message: error.message, requestId: request.id, ...(error.issues ? { issues: error.issues } : {}), ...error.extra });
    }
    const status = error.statusCode ?? 500;
    // Fastify's own client errors (bad JSON, wrong content type, body too large) are safe to repeat.
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: CODE_BY_STATUS[status] ?? 'client_error', message: error.message, requestId: request.id });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal_error', message: 'internal error', requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}`, requestId: request.id });
  });
}
