import type { FastifyInstance } from 'fastify';
import '../fastify-types';
import { ApiError } from '../http/errors';
import { bearerToken, findToken } from './authenticate';
import type { ApiToken } from './tokens';

const REALM = 'capital-recon';

/**
 * Checks the bearer token of every request to a route that names a scope: 401 without a known
 * token, 403 when the token lacks the scope. Runs before input validation, so an unauthenticated
 * caller learns nothing about parameters.
 */
export function installAuth(app: FastifyInstance, tokens: readonly ApiToken[]): void {
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    const token = findToken(tokens, bearerToken(request.headers.authorization));
    if (!token) {
      throw new ApiError(401, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)', undefined, { 'www-authenticate': `Bearer realm="${REALM}"` });
    }
    request.apiClient = token.name;
    if (!token.scopes.has(scope)) {
      throw new ApiError(403, 'forbidden', `the token ${token.name} lacks the scope ${scope}`, undefined, { 'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"` });
    }
  });
}
