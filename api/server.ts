/**
 * The HTTP API as a fastify instance: request ids and logging, bearer-token auth per route scope,
 * zod-validated input, errors without stack traces, and the routes of routes/index.ts plus
 * `/openapi.json`. `buildApi` does no I/O; `recon api` (api/main.ts) listens, tests inject.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installAuth } from './auth/hook';
import type { ApiDeps } from './deps';
import { badRequest, installErrorHandlers } from './http/errors';
import { installRequestLog } from './http/request-log';
import { parseInput } from './http/validation';
import { fastifyPath, type ApiRoute, type RouteModule } from './route';
import { ROUTE_MODULES } from './routes';
import { openApiRoutes } from './routes/openapi';

/** Bodies are small JSON objects (POST /runs); anything bigger is a mistake or an attack. */
const BODY_BYTES_MAX = 64 * 1024;
/** Workflow ids and file names are well under this; longer path parameters get a 414. */
const PARAM_LENGTH_MAX = 256;

export function buildApi(deps: ApiDeps, modules: readonly RouteModule[] = ROUTE_MODULES): FastifyInstance {
  const app = Fastify({
    // Our pino logger (with its redaction), seen through fastify's narrower logger type.
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: () => randomUUID(),
    // Our ids only: a client-chosen id could be used to forge log lines.
    requestIdHeader: false,
    bodyLimit: BODY_BYTES_MAX,
    routerOptions: { maxParamLength: PARAM_LENGTH_MAX },
    return503OnClosing: true,
  });
  const served: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) served.push({ method, url: route.url });
  });
  servedRoutes.set(app, served);
  installRequestLog(app);
  installAuth(app, deps.tokens);
  installErrorHandlers(app);
  for (const route of [...modules, openApiRoutes(modules)].flatMap((m) => m.routes)) registerRoute(app, route, deps);
  return app;
}

/** Keeps a leading byte-order mark: a signature covers the body exactly as sent. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8OrUndefined(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const servedRoutes = new WeakMap<FastifyInstance, ReadonlyArray<{ method: string; url: string }>>();

/** Every method and path an API instance answers (fastify syntax, HEAD included): what the OpenAPI test holds the document to. */
export function routesOf(app: FastifyInstance): ReadonlyArray<{ method: string; url: string }> {
  return servedRoutes.get(app) ?? [];
}

function registerRoute(app: FastifyInstance, route: ApiRoute, deps: ApiDeps): void {
  if (route.rawBody) {
    // Its own content-type parsers, in a scope of its own: every other route keeps fastify's JSON parser.
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, bytes, done) => {
        // Strict: a lenient decoder would put U+FFFD where the sender's bytes were, and a label or
        // alert id read that way would be accepted as something the sender never wrote.
        const text = utf8OrUndefined(bytes as Buffer);
        if (text === undefined) return done(badRequest('the body is not valid UTF-8: send the text encoded as UTF-8'), undefined);
        request.rawBody = text;
        done(null, text);
      });
      addRoute(scope, route, deps);
    });
    return;
  }
  addRoute(app, route, deps);
}

function addRoute(app: FastifyInstance, route: ApiRoute, deps: ApiDeps): void {
  app.route({
    method: route.method,
    url: fastifyPath(route.path),
    config: { ...(route.scope ? { scope: route.scope } : {}) },
    handler: async (request, reply) => {
      const params = route.params ? parseInput(route.params, request.params, 'params') : {};
      const query = route.query ? parseInput(route.query, request.query, 'query') : {};
      const body = route.body ? parseInput(route.body, request.body, 'body') : undefined;
      return route.handle({ params, query, body, request, reply, deps });
    },
  });
}
