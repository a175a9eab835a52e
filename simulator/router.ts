import type { SimulatorSession } from './sessions';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string | undefined>;
  /** Present on authenticated routes. */
  session: SimulatorSession;
  now: number;
}

export interface RouteResult {
  status: number;
  body: unknown;
  /** A session created by this request (login), whose tokens go back as response headers. */
  session?: SimulatorSession;
}

export interface Route {
  method: Method;
  /** Template below /api/v1, e.g. `/positions/:dealId`. */
  path: string;
  /** Needs CST and X-SECURITY-TOKEN (all but time, encryptionKey and login). */
  auth: boolean;
  /** Opening positions or creating orders: the 1 per 0.1 s limit applies. */
  trading?: boolean;
  handle(context: RouteContext): RouteResult | Promise<RouteResult>;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

export function ok(body: unknown): RouteResult {
  return { status: 200, body };
}

export function fail(status: number, errorCode: string): RouteResult {
  return { status, body: { errorCode } };
}

/** Matches method + path to a route; path parameters are URL-decoded. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { route, pattern: new RegExp(`^${source}/?$`), names };
    });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method-not-allowed' | undefined {
    let pathMatched = false;
    for (const { route, pattern, names } of this.compiled) {
      const found = pattern.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1] as string)]));
      return { route, params };
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}
