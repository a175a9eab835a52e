import type { FastifyInstance } from 'fastify';
import '../fastify-types';

/**
 * One log line per request, after the answer: method, path and query, route, status, time taken
 * and the token's name. Headers are never logged, so neither the Authorization header nor a token
 * can reach the log; a credential in the query string (a webhook source that cannot send headers)
 * is masked.
 */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: withoutCredentials(request.url), route: request.routeOptions.url, statusCode: reply.statusCode, durationMs: Math.round(reply.elapsedTime), client: request.apiClient },
      'request',
    );
  });
}

const CREDENTIAL_PARAMS = /([?&](?:token|secret|signature|key)=)[^&#]*/gi;

export function withoutCredentials(url: string): string {
  return url.replace(CREDENTIAL_PARAMS, '$1[REDACTED]');
}
