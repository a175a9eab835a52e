/**
 * The load generator of the API load test and benchmark (test/reliability/api-load.test.ts,
 * bench/api-load.ts), in a process of its own so that its CPU is not the server's:
 * `node --import tsx bench/api-load-client.ts '<ApiLoadClientArgs as JSON>'`, with the bearer token
 * in RECON_LOAD_TOKEN (never in the arguments, which `ps` shows).
 *
 * `concurrency` clients, each on its own keep-alive connection, issue requests back to back for
 * `durationMs`, walking the target list round-robin from their own offset. Every body is read to
 * its end and checked: status, Content-Type, length, and its SHA-256 against what the target
 * expects and against the X-Content-SHA256 the server sent (a wrong byte is an error). Prints one
 * JSON line, the LoadReport, and exits.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { LatencyHistogram, type LatencySummary } from '../lib/market/latency';
import { childArgs } from './children';

export const LOAD_TOKEN_ENV = 'RECON_LOAD_TOKEN';

/** One request the clients repeat, and what its answer must be. */
export interface LoadTarget {
  /** What the figures are grouped by, e.g. `download .pdf`. */
  route: string;
  /** Path and query, e.g. `/statements?accountId=…`. */
  path: string;
  headers?: Record<string, string>;
  status: 200 | 304;
  /** The body's SHA-256 (absent for a 304, whose body must be empty). */
  sha256?: string;
  contentType?: string;
  /** A download: X-Content-SHA256 must be the body's hash and Content-Length its size. */
  hashHeader?: boolean;
}

export interface ApiLoadClientArgs {
  baseUrl: string;
  targets: LoadTarget[];
  concurrency: number;
  durationMs: number;
  /** A request without its full answer by then is an error (`timeout`). */
  requestTimeoutMs: number;
}

export interface RouteFigures extends LatencySummary {
  requests: number;
  errors: number;
  bytes: number;
}

export interface LoadReport {
  concurrency: number;
  /** From the first request to the last answer (requests in flight at the deadline finish). */
  elapsedMs: number;
  requests: number;
  errors: number;
  /** e.g. `status 500`, `socket ECONNRESET`, `timeout`, `hash mismatch`. */
  errorsByKind: Record<string, number>;
  /** The first few errors, with their route and path. */
  errorSamples: string[];
  bytes: number;
  requestsPerSecond: number;
  /** TCP connections the clients opened: about `concurrency` when keep-alive works. */
  connectionsOpened: number;
  overall: LatencySummary;
  routes: Record<string, RouteFigures>;
}

const ERROR_SAMPLES_MAX = 20;

type Outcome = { bytes: number; error?: { kind: string; detail: string } };

class Tally {
  private readonly overall = new LatencyHistogram();
  private readonly routes = new Map<string, { latency: LatencyHistogram; requests: number; errors: number; bytes: number }>();
  private readonly errorsByKind: Record<string, number> = {};
  private readonly errorSamples: string[] = [];
  requests = 0;
  errors = 0;
  bytes = 0;

  constructor(targets: readonly LoadTarget[]) {
    for (const target of targets) if (!this.routes.has(target.route)) this.routes.set(target.route, { latency: new LatencyHistogram(), requests: 0, errors: 0, bytes: 0 });
  }

  record(target: LoadTarget, latencyMs: number, outcome: Outcome): void {
    const route = this.routes.get(target.route)!;
    route.latency.record(latencyMs);
    this.overall.record(latencyMs);
    route.requests++;
    route.bytes += outcome.bytes;
    this.requests++;
    this.bytes += outcome.bytes;
    if (!outcome.error) return;
    route.errors++;
    this.errors++;
    this.errorsByKind[outcome.error.kind] = (this.errorsByKind[outcome.error.kind] ?? 0) + 1;
    if (this.errorSamples.length < ERROR_SAMPLES_MAX) this.errorSamples.push(`${target.route} ${target.path}: ${outcome.error.kind}: ${outcome.error.detail}`);
  }

  report(concurrency: number, elapsedMs: number, connectionsOpened: number): LoadReport {
    const routes = Object.fromEntries([...this.routes].map(([name, r]) => [name, { ...r.latency.summary(), requests: r.requests, errors: r.errors, bytes: r.bytes }]));
    return {
      concurrency,
      elapsedMs: Math.round(elapsedMs),
      requests: this.requests,
      errors: this.errors,
      errorsByKind: this.errorsByKind,
      errorSamples: this.errorSamples,
      bytes: this.bytes,
      requestsPerSecond: Math.round((this.requests / (elapsedMs / 1000)) * 10) / 10,
      connectionsOpened,
      overall: this.overall.summary(),
      routes,
    };
  }
}

/** What is wrong with a complete answer, if anything. */
function checkAnswer(target: LoadTarget, response: http.IncomingMessage, sha256: string, bytes: number): Outcome['error'] {
  if (response.statusCode !== target.status) return { kind: `status ${response.statusCode}`, detail: `expected ${target.status}` };
  if (target.status === 304) return bytes === 0 ? undefined : { kind: '304 with a body', detail: `${bytes} bytes` };
  if (target.contentType && response.headers['content-type'] !== target.contentType) return { kind: 'content-type', detail: `${response.headers['content-type']}, expected ${target.contentType}` };
  if (target.hashHeader) {
    if (response.headers['x-content-sha256'] !== sha256) return { kind: 'hash mismatch', detail: `body ${sha256}, X-Content-SHA256 ${response.headers['x-content-sha256']}` };
    if (response.headers['content-length'] !== String(bytes)) return { kind: 'length mismatch', detail: `${bytes} bytes read, Content-Length ${response.headers['content-length']}` };
  }
  if (target.sha256 && target.sha256 !== sha256) return { kind: 'hash mismatch', detail: `body ${sha256}, expected ${target.sha256} (${bytes} bytes)` };
  return undefined;
}

interface Connection {
  agent: http.Agent;
  base: URL;
  token: string;
  timeoutMs: number;
  /** Called with each socket a request is given; new ones are counted. */
  onSocket(socket: Socket): void;
}

function issue(connection: Connection, target: LoadTarget): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let bytes = 0;
    const done = (error?: Outcome['error']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(error ? { bytes, error } : { bytes });
    };
    const failed = (error: NodeJS.ErrnoException) => done({ kind: `socket ${error.code ?? 'error'}`, detail: error.message });
    const request = http.request(
      { host: connection.base.hostname, port: connection.base.port, path: target.path, method: 'GET', agent: connection.agent, headers: { authorization: `Bearer ${connection.token}`, ...target.headers } },
      (response) => {
        const hash = createHash('sha256');
        response.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          bytes += chunk.length;
        });
        response.on('end', () => done(checkAnswer(target, response, hash.digest('hex'), bytes)));
        response.on('error', failed);
        // A connection cut short of Content-Length: the server's way of refusing a changed file.
        response.on('close', () => {
          if (!response.complete) done({ kind: 'incomplete body', detail: `connection closed after ${bytes} bytes` });
        });
      },
    );
    // A bound on the whole exchange, whatever the socket does: every request settles.
    const timer = setTimeout(() => {
      done({ kind: 'timeout', detail: `no complete answer within ${connection.timeoutMs} ms (${bytes} bytes read)` });
      request.destroy();
    }, connection.timeoutMs);
    request.on('socket', connection.onSocket);
    request.on('error', failed);
    request.end();
  });
}

export async function generateLoad(args: ApiLoadClientArgs, token: string): Promise<LoadReport> {
  if (args.targets.length === 0) throw new Error('no targets to load');
  const tally = new Tally(args.targets);
  const sockets = new WeakSet<Socket>();
  let connectionsOpened = 0;
  const connection: Connection = {
    // One socket per client at most: each client waits for its answer before the next request.
    agent: new http.Agent({ keepAlive: true, maxSockets: args.concurrency }),
    base: new URL(args.baseUrl),
    token,
    timeoutMs: args.requestTimeoutMs,
    onSocket: (socket) => {
      if (sockets.has(socket)) return;
      sockets.add(socket);
      connectionsOpened++;
    },
  };
  const started = performance.now();
  const deadline = started + args.durationMs;
  const client = async (index: number) => {
    let next = index % args.targets.length;
    while (performance.now() < deadline) {
      const target = args.targets[next]!;
      next = (next + 1) % args.targets.length;
      const sent = performance.now();
      const outcome = await issue(connection, target);
      tally.record(target, performance.now() - sent, outcome);
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, (_, i) => client(i)));
  const elapsedMs = performance.now() - started;
  connection.agent.destroy();
  return tally.report(args.concurrency, elapsedMs, connectionsOpened);
}

async function main(): Promise<void> {
  const args = childArgs<ApiLoadClientArgs>();
  const token = process.env[LOAD_TOKEN_ENV];
  if (!token) throw new Error(`set ${LOAD_TOKEN_ENV} to a bearer token with the statements:read scope`);
  const report = await generateLoad(args, token);
  // Exit once the line is out: stdin stays open (childArgs), so the process would not end by itself.
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`api-load-client: ${(error as Error).message}`);
    process.exit(1);
  });
}
