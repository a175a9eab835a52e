/**
 * The OpenAPI 3.1 document, generated from the route declarations: paths, parameters and bodies
 * come from the zod schemas the routes validate with, so the document and the server agree.
 */
import { z } from 'zod';
import { codeVersion } from '../../lib/version';
import type { ApiRoute, RouteModule } from '../route';
import { errorBody } from './schemas';

type JsonSchema = Record<string, unknown>;

export function openApiDocument(modules: readonly RouteModule[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of modules.flatMap((m) => m.routes)) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'capital-recon API',
      version: codeVersion(),
      description: 'Reconciliation runs, their statements and proof traces, the normalised ledger, trading monitors, trade intents and market data. Amounts and prices are exact decimal strings; times are ISO 8601 in UTC.',
    },
    tags: uniqueTags(modules),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token from RECON_API_TOKENS; each route names the scope it needs' } },
      schemas: { Error: jsonSchema(errorBody, 'output') },
    },
    paths,
  };
}

function operation(route: ApiRoute): Record<string, unknown> {
  const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(route.answers)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers ? { headers: Object.fromEntries(Object.entries(answer.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) } : {}),
      ...(answer.content ? { content: Object.fromEntries(Object.entries(answer.content).map(([type, schema]) => [type, schema ? { schema: jsonSchema(schema, 'output') } : {}])) } : {}),
    };
  }
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  if (route.params || route.query || route.body) responses['400'] ??= error('a parameter is missing or invalid: `issues` names each field and why');
  if (route.scope) {
    responses['401'] ??= error('no bearer token, or not a known one');
    responses['403'] ??= error(`the token lacks the scope ${route.scope}`);
  }
  responses['500'] ??= error('internal error (the answer carries a request id to quote)');
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.scope ? [{ bearer: [route.scope] }] : [],
    ...(route.scope ? { 'x-required-scope': route.scope } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
    responses,
  };
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  if (!(schema instanceof z.ZodObject)) throw new Error(`${location} parameters must be declared as a zod object`);
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, property]) => {
    const { description, ...propertySchema } = jsonSchema(property, 'input');
    return { name, in: location, required: location === 'path' || !property.isOptional(), ...(description ? { description } : {}), schema: propertySchema };
  });
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

/** One tag per name (OpenAPI wants them unique): modules sharing a tag join their descriptions. */
function uniqueTags(modules: readonly RouteModule[]): Array<{ name: string; description: string }> {
  const byName = new Map<string, string[]>();
  for (const module of modules) byName.set(module.tag, [...(byName.get(module.tag) ?? []), module.description]);
  return [...byName].map(([name, descriptions]) => ({ name, description: descriptions.join(' ') }));
}
