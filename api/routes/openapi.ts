import { openApiDocument } from '../openapi/document';
import { defineRoute, type RouteModule } from '../route';

/** `/openapi.json`: the document of `modules` and of itself (public, like any API description). */
export function openApiRoutes(modules: readonly RouteModule[]): RouteModule {
  const self: RouteModule = {
    tag: 'meta',
    description: 'This API described.',
    routes: [
      defineRoute({
        method: 'GET',
        path: '/openapi.json',
        operationId: 'openApiDocument',
        tag: 'meta',
        summary: 'The OpenAPI 3.1 document of this API',
        answers: { 200: { description: 'the document', content: { 'application/json': undefined } } },
        handle: async () => document,
      }),
    ],
  };
  const document = openApiDocument([...modules, self]);
  return self;
}
