/**
 * A route is declared once, as data: method, path, scope, zod schemas of its input, its answers.
 * The server registers it from that declaration and `/openapi.json` is generated from the same
 * list, so the document cannot miss a route or disagree about a parameter.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ApiScope } from './auth/scopes';
import type { ApiDeps } from './deps';

export interface RouteAnswer {
  description: string;
  /** Content type → body schema (documentation only; undefined = not described further). */
  content?: Record<string, z.ZodType | undefined>;
  /** Response headers worth documenting. */
  headers?: Record<string, string>;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
  deps: ApiDeps;
}

export interface ApiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** OpenAPI style: `/runs/{workflowId}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** The scope a token needs; undefined = public (health checks, the OpenAPI document). */
  scope?: ApiScope;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The route takes any text body and reads it from `request.rawBody` as sent (a webhook whose
   * signature covers the exact bytes); `body` is then the parsed JSON, or the text when not JSON.
   */
  rawBody?: true;
  answers: Record<number, RouteAnswer>;
  /** Returns the body to send, or the reply when it sent one itself (a stream). */
  handle(context: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** Keeps each route's schema types attached to its handler. */
export function defineRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(route: ApiRoute<P, Q, B>): ApiRoute {
  return route as unknown as ApiRoute;
}

/** `/runs/{workflowId}` → `/runs/:workflowId` (fastify's syntax). */
export function fastifyPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** A group of routes served together (runs, statements, ledger, …): one file each under routes/. */
export interface RouteModule {
  tag: string;
  description: string;
  routes: readonly ApiRoute[];
}
