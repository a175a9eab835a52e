import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../lib/log';
import { SimulatorClock } from './clock';
import { faultSequence, faultsSchema, NO_FAULTS, pickFault, type Faults, type FaultsPatch } from './faults';
import { UserLimits } from './limits';
import { fail, Router, type Route, type RouteResult } from './router';
import { SessionStore, type SessionPolicy, type SimulatorCredentials, type SimulatorSession } from './sessions';

const API_PREFIX = '/api/v1';
const ADMIN_PREFIX = '/__admin';
const MAX_BODY_BYTES = 1_000_000;

export interface SimulatorCore {
  clock: SimulatorClock;
  sessions: SessionStore;
  faults(): Faults;
  setFaults(patch: FaultsPatch): Faults;
  stats(): SimulatorStats;
}

export interface SimulatorStats {
  requests: number;
  rejectedByLimits: number;
  injectedFaults: number;
  sessionsInvalidated: number;
  activeSessions: number;
}

export interface HttpSimulatorOptions {
  host?: string;
  port?: number;
  seed: number;
  credentials: SimulatorCredentials;
  defaultAccountId: () => string;
  session?: Partial<SessionPolicy>;
  faults?: FaultsPatch;
  log: Logger;
  /** The API's routes, built once the core exists (they need its clock and sessions). */
  routes: (core: SimulatorCore) => Route[];
  /** Extra admin actions (e.g. the streaming server's), merged into `POST /__admin/faults`. */
  onFaultsChanged?: (faults: Faults) => void;
}

export interface HttpSimulator extends SimulatorCore {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * The HTTP side of the simulator: Capital.com's paths, headers, status codes and `{errorCode}`
 * bodies, with sessions, the published limits, and fault injection in front of the routes.
 */
export async function startHttpSimulator(options: HttpSimulatorOptions): Promise<HttpSimulator> {
  const clock = new SimulatorClock();
  const policy: SessionPolicy = { idleTimeoutMs: 10 * 60_000, hardLifetimeMs: 0, encryptionTimestampToleranceMs: 10 * 60_000, ...options.session };
  const sessions = new SessionStore(options.credentials, options.defaultAccountId, clock, policy);
  const limits = new UserLimits(10, 100);
  const nextRoll = faultSequence(options.seed);
  const nextTruncationRoll = faultSequence(options.seed ^ 0x5bd1e995);
  let faults: Faults = faultsSchema.parse({ ...NO_FAULTS, ...options.faults });
  const stats = { requests: 0, injectedFaults: 0, sessionsInvalidated: 0, authenticated: 0 };

  const core: SimulatorCore = {
    clock,
    sessions,
    faults: () => faults,
    setFaults(patch) {
      faults = faultsSchema.parse({ ...faults, ...patch });
      options.onFaultsChanged?.(faults);
      return faults;
    },
    stats: () => ({
      requests: stats.requests,
      rejectedByLimits: limits.rejected,
      injectedFaults: stats.injectedFaults,
      sessionsInvalidated: stats.sessionsInvalidated,
      activeSessions: sessions.count(),
    }),
  };
  const router = new Router(options.routes(core));

  async function handleApi(method: string, path: string, request: IncomingMessage, url: URL): Promise<{ result: RouteResult; session?: SimulatorSession }> {
    const matched = router.match(method, path);
    if (matched === undefined) return { result: fail(404, 'error.not-found.path') };
    if (matched === 'method-not-allowed') return { result: fail(405, 'error.method.not-allowed') };
    const { route, params } = matched;

    const injected = pickFault(faults, nextRoll);
    if (injected) {
      stats.injectedFaults++;
      if (injected === 'server-error') return { result: fail(500, 'error.internal') };
      if (injected === 'rate-limit') return { result: fail(429, 'error.too-many.requests') };
      return { result: fail(500, 'java.util.concurrent.TimeoutException') };
    }

    const parsedBody = await readJsonBody(request);
    if (parsedBody === INVALID_BODY) return { result: fail(400, 'error.invalid.body') };
    const headers = lowerCaseHeaders(request);

    let session: SimulatorSession | undefined;
    if (route.auth) {
      if (faults.invalidateSessionEvery > 0 && ++stats.authenticated % faults.invalidateSessionEvery === 0) {
        stats.sessionsInvalidated += sessions.invalidateAll();
      }
      const auth = sessions.authenticate(headers.cst, headers['x-security-token']);
      if (!auth.ok) return { result: fail(auth.status, auth.errorCode) };
      session = auth.session;
      const userKey = session.cst;
      if (!limits.allowRequest(userKey, clock.now())) return { result: fail(429, 'error.too-many.requests'), session };
      if (route.trading && !limits.allowTrade(userKey, clock.now())) return { result: fail(429, 'error.too-many.requests'), session };
    }

    const result = await route.handle({
      params,
      query: url.searchParams,
      body: parsedBody,
      headers,
      session: session as SimulatorSession,
      now: clock.now(),
    });
    return { result, session: result.session ?? session };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    stats.requests++;
    const url = new URL(request.url ?? '/', 'http://simulator');
    const method = request.method ?? 'GET';
    if (faults.slowResponseMs > 0) await sleep(faults.slowResponseMs);

    if (url.pathname.startsWith(ADMIN_PREFIX)) {
      const result = await handleAdmin(method, url.pathname.slice(ADMIN_PREFIX.length), request, core);
      return send(response, result, undefined, false);
    }
    if (!url.pathname.startsWith(API_PREFIX)) return send(response, fail(404, 'error.not-found.path'), undefined, false);

    const { result, session } = await handleApi(method, url.pathname.slice(API_PREFIX.length) || '/', request, url);
    if (faults.lateAnswerMs > 0) await sleep(faults.lateAnswerMs);
    const truncate = result.status === 200 && faults.truncatedBodyRate > 0 && nextTruncationRoll() < faults.truncatedBodyRate;
    if (truncate) stats.injectedFaults++;
    send(response, result, session, truncate);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.log.error({ err: error, url: request.url }, 'simulator request failed');
      if (!response.headersSent) send(response, fail(500, 'error.internal'), undefined, false);
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  return {
    ...core,
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const INVALID_BODY = Symbol('invalid body');

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return INVALID_BODY;
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_BODY;
  }
}

function lowerCaseHeaders(request: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(request.headers)) headers[key.toLowerCase()] = Array.isArray(value) ? value[0] : value;
  return headers;
}

function send(response: ServerResponse, result: RouteResult, session: SimulatorSession | undefined, truncate: boolean): void {
  const text = JSON.stringify(result.body ?? {});
  const body = truncate ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
  if (session) {
    headers.CST = session.cst;
    headers['X-SECURITY-TOKEN'] = session.securityToken;
  }
  response.writeHead(result.status, headers);
  response.end(body);
}

async function handleAdmin(method: string, path: string, request: IncomingMessage, core: SimulatorCore): Promise<RouteResult> {
  const body = await readJsonBody(request);
  if (body === INVALID_BODY) return fail(400, 'error.invalid.body');
  if (method === 'GET' && path === '/stats') return { status: 200, body: core.stats() };
  if (method === 'GET' && path === '/faults') return { status: 200, body: core.faults() };
  if (method === 'POST' && path === '/faults') {
    const parsed = faultsSchema.partial().safeParse(body ?? {});
    if (!parsed.success) return { status: 400, body: { errorCode: 'error.invalid.faults', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) } };
    return { status: 200, body: core.setFaults(parsed.data) };
  }
  if (method === 'POST' && path === '/clock/advance') {
    const ms = Number((body as { ms?: unknown } | undefined)?.ms);
    if (!Number.isFinite(ms) || ms < 0) return fail(400, 'error.invalid.ms');
    core.clock.advance(ms);
    return { status: 200, body: { now: core.clock.now() } };
  }
  if (method === 'POST' && path === '/sessions/invalidate') return { status: 200, body: { invalidated: core.sessions.invalidateAll() } };
  return fail(404, 'error.not-found.path');
}
