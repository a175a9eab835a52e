import type { ApiScope } from './auth/scopes';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a token needs for this route; absent = public. */
    scope?: ApiScope;
  }
  interface FastifyRequest {
    /** The name of the token that authenticated the request (logged instead of the token). */
    apiClient?: string;
    /** The body exactly as sent, on routes that verify signatures over it (ApiRoute.rawBody). */
    rawBody?: string;
  }
}
