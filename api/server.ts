/**
 * The HTTP API as a fastify instance: request ids and logging, bearer-token auth per route scope,
 * zod-validated input, errors without stack traces, and the routes of routes/index.ts plus
 * `/openapi.json`. `buildApi` does no I/O; `recon api` (api/main.ts) listens, tests inject.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installAuth } from './auth/hook';
import type { ApiDeps } from './deps';
import { installErrorHandlers } from './http/errors';
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
      scope.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
        request.rawBody = text as string;
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
