/**
 * Bad input from the broker (reliability suite, issue #10): malformed responses for every endpoint
 * the engine reads, and malformed transaction and activity rows through the path ingest uses,
 * all through the real client over HTTP against a fake broker that answers each request with the
 * case it names. Every call parses (unknown enums and fields kept) or fails with the client's
 * typed error naming the endpoint; every row is kept, quarantined with a reason, or refused with
 * its page (the error naming the row); nothing hangs, nothing is dropped, nothing crashes.
 *
 * Cases come from test/helpers/bad-input.ts, seeded: a failure prints the seed and case index.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CapitalClient, CapitalError, CapitalRequestError, CapitalResponseError, CapitalAuthError, CapitalSession, CapitalUnavailableError, formatQueryTime, parseBrokerUtc } from '../../lib/capital';
import { SlidingWindowLimiter } from '../../lib/capital/rate-limit';
import { ENDPOINTS, findEndpoint, type Activity, type EndpointName } from '../../lib/capital/schemas';
import { CapitalTransport } from '../../lib/capital/transport';
import { normaliseRows, type NormaliseResult } from '../../lib/ledger/normalise';
import { canonical, toDecimal } from '../../lib/money';
import {
  activityPageCase,
  allCasesRun,
  brokerResponseCase,
  CaseFailures,
  countProcessFailures,
  forEachCase,
  HangError,
  pathText,
  ROW_MARKER,
  transactionPageCase,
  valueAt,
  within,
  type BrokerResponseCase,
  type JsonPath,
  type ResponseBase,
  type ResponseWire,
  type RowPageCase,
} from '../helpers/bad-input';
import { OFFICIAL_EXAMPLES_DIR } from '../helpers/official-examples';
import { bySize } from '../helpers/reliability';
import { quietLog, startSimulatorWithClient } from '../helpers/simulator';

const RESPONSE_CASES = bySize({ full: 10_000, reduced: 1_000 });
const TRANSACTION_PAGES = bySize({ full: 10_000, reduced: 1_000 });
const ACTIVITY_PAGES = bySize({ full: 10_000, reduced: 1_000 });
const SIMULATOR_SEED = 43;
const CONCURRENCY = 16;
/** Per attempt; two attempts per call. A case that has not settled after HANG_MS is a hang. */
const TRANSPORT_TIMEOUT_MS = 1_000;
const HANG_MS = 20_000;
const ACCOUNT_ID = 'ACC-BAD-INPUT';
/** Every generated row's time is inside this day, so a row missing from an answer was dropped. */
const WINDOW = { fromMs: Date.UTC(2025, 2, 4), toMs: Date.UTC(2025, 2, 5) };

/** The endpoints the engine reads (ingest, monitor, exposure, intents, market data). */
const READ_ENDPOINTS: ReadonlySet<EndpointName> = new Set(['transactions', 'activity', 'positions', 'position', 'workingOrders', 'accounts', 'prices', 'clientSentiments', 'clientSentiment', 'confirm', 'markets', 'market', 'sessionDetails']);
/** Newest-docs bodies: which endpoint each one answers. */
const NEWEST_DOCS: Record<string, EndpointName> = { 'newest-docs-history-transactions.json': 'transactions', 'newest-docs-positions.json': 'positions', 'newest-docs-workingorders.json': 'workingOrders' };
/** Keys the schemas rename on output: a kept value is then found under the new name. */
const RENAMED_KEYS = new Set(['dateUTC', 'controlledRiskAllowed', 'minControlledRiskStopDistance', 'minNormalStopOrLimitDistance', 'maxStopOrLimitDistance']);

/** The fake broker: logs in, then answers each request with the wire of the case its query names. */
const wires = new Map<string, ResponseWire>();
let server: Server;
let client: CapitalClient;
let bases: ResponseBase[] = [];
let transactionTemplates: Array<Record<string, unknown>> = [];
let activityTemplates: Array<Record<string, unknown>> = [];
const failures = countProcessFailures();

function answerCase(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://broker.test');
  const apiPath = url.pathname.replace(/^\/api\/v1/, '');
  if (request.method === 'POST' && apiPath === '/session') {
    response.writeHead(200, { 'Content-Type': 'application/json', CST: 'bad-input-cst', 'X-SECURITY-TOKEN': 'bad-input-xst' });
    response.end(JSON.stringify({ currentAccountId: ACCOUNT_ID, accounts: [{ accountId: ACCOUNT_ID }] }));
    return;
  }
  const key = url.searchParams.get('badInputCase') ?? url.searchParams.get('type') ?? url.searchParams.get('filter') ?? '';
  const wire = wires.get(key);
  if (!wire) {
    response.writeHead(404, { 'Content-Type': 'application/json' });
    response.end('{"errorCode":"error.not-found.case"}');
    return;
  }
  switch (wire.kind) {
    case 'answer':
      response.writeHead(wire.status, wire.headers);
      response.end(wire.body);
      return;
    case 'no-answer':
      return; // the client's timeout ends it
    case 'stalled-body':
      response.writeHead(wire.status, { 'Content-Type': 'application/json' });
      response.write(wire.bodyStart);
      return;
    case 'redirect-loop':
      response.writeHead(wire.status, { Location: request.url ?? '/' });
      response.end();
      return;
  }
}

/** The real client, without the published rate limits (the fake broker has none) and with short timeouts. */
function clientFor(baseUrl: string): CapitalClient {
  const unlimited = () => new SlidingWindowLimiter(1_000_000, 1_000);
  const transport = new CapitalTransport({ baseUrl, limiters: { requests: unlimited(), trading: unlimited() }, log: quietLog, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, timeoutMs: TRANSPORT_TIMEOUT_MS });
  const session = new CapitalSession({ transport, credentials: { apiKey: 'k-bad-input-reliability', identifier: 'bad@input.test', password: 'pw-bad-input' }, encryptPassword: false, log: quietLog });
  return new CapitalClient(session, transport);
}

/** Arrays cut to their first few items, so every body stays small. */
function trimmed(value: unknown, itemsMax = 4): unknown {
  if (Array.isArray(value)) return value.slice(0, itemsMax).map((item) => trimmed(item, itemsMax));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimmed(v, itemsMax)]));
  return value;
}

function officialBases(): ResponseBase[] {
  const found: ResponseBase[] = [];
  for (const file of readdirSync(OFFICIAL_EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const content = JSON.parse(readFileSync(path.join(OFFICIAL_EXAMPLES_DIR, file), 'utf8')) as { request?: { method: string; url: string }; response?: { status: number; body: unknown } };
    if (NEWEST_DOCS[file]) {
      found.push({ name: file, endpoint: NEWEST_DOCS[file] as EndpointName, body: trimmed(content) });
      continue;
    }
    if (!content.request || !content.response || content.response.status >= 300) continue;
    const match = findEndpoint(content.request.method, content.request.url);
    if (!match || !READ_ENDPOINTS.has(match.name)) continue;
    const query = Object.fromEntries(new URL(content.request.url).searchParams);
    found.push({ name: file, endpoint: match.name, body: trimmed(content.response.body), params: { ...match.params }, query });
  }
  return found;
}

/** The simulator's answers for the same endpoints (its own shapes: more fields, other values). */
async function simulatorBases(): Promise<ResponseBase[]> {
  const fixture = await startSimulatorWithClient({ seed: SIMULATOR_SEED, transactionsPerMonth: 300 });
  try {
    const sim = fixture.client;
    const day = { from: formatQueryTime(WINDOW.fromMs), to: formatQueryTime(WINDOW.toMs) };
    const week = { from: formatQueryTime(WINDOW.fromMs - 6 * 86_400_000), to: formatQueryTime(WINDOW.toMs) };
    const calls: Array<[string, EndpointName, { params?: Record<string, string>; query?: Record<string, string> }]> = [
      ['simulator transactions', 'transactions', { query: week }],
      ['simulator activity', 'activity', { query: { ...day, detailed: 'true' } }],
      ['simulator positions', 'positions', {}],
      ['simulator working orders', 'workingOrders', {}],
      ['simulator accounts', 'accounts', {}],
      ['simulator session', 'sessionDetails', {}],
      ['simulator market search', 'markets', { query: { searchTerm: 'GOLD' } }],
      ['simulator market details', 'markets', { query: { epics: 'GOLD,US100' } }],
      ['simulator market', 'market', { params: { epic: 'GOLD' } }],
      ['simulator prices', 'prices', { params: { epic: 'GOLD' }, query: { resolution: 'HOUR', max: '5', from: day.from, to: day.to } }],
      ['simulator sentiments', 'clientSentiments', { query: { marketIds: 'GOLD,US100' } }],
      ['simulator sentiment', 'clientSentiment', { params: { marketId: 'GOLD' } }],
    ];
    const found: ResponseBase[] = [];
    for (const [name, endpoint, args] of calls) {
      const { raw } = await sim.callWithRaw(endpoint, args);
      found.push({ name, endpoint, body: trimmed(raw), ...args });
    }
    const { raw: positions } = await sim.callWithRaw('positions');
    const dealId = (positions as { positions: Array<{ position: { dealId: string } }> }).positions[0]?.position.dealId;
    if (dealId) found.push({ name: 'simulator position', endpoint: 'position', body: trimmed((await sim.callWithRaw('position', { params: { dealId } })).raw), params: { dealId } });
    return found;
  } finally {
    await fixture.close();
  }
}

function rowsOf(bases: readonly ResponseBase[], endpoint: EndpointName, key: string): Array<Record<string, unknown>> {
  return bases.filter((b) => b.endpoint === endpoint).flatMap((b) => ((b.body as Record<string, unknown>)[key] as Array<Record<string, unknown>> | undefined) ?? []);
}

before(async () => {
  server = createServer(answerCase);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = clientFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`);
  bases = [...officialBases(), ...(await simulatorBases())];
  // Each base must parse as it is: a case's failure is then its defect's.
  for (const base of bases) {
    wires.set(`base:${base.name}`, { kind: 'answer', status: 200, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(base.body)) });
    await client.call(base.endpoint, { params: base.params, query: { ...base.query, badInputCase: `base:${base.name}` } });
  }
  transactionTemplates = rowsOf(bases, 'transactions', 'transactions').map((row) => ({ ...row, currency: row.currency ?? 'USD' }));
  activityTemplates = rowsOf(bases, 'activity', 'activities');
});

after(async () => {
  failures.stop();
  client?.session.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

/** Segment-wise: one path is the other or lies below it (a renamed date key counts as its new name). */
function related(field: string, path: JsonPath): boolean {
  const norm = (parts: string[]) => parts.map((p) => (p === 'dateUTC' ? 'dateUtc' : p));
  const a = norm(field === '' ? [] : field.split('.'));
  const b = norm(path.map(String));
  const shorter = a.length <= b.length ? a : b;
  const longer = a.length <= b.length ? b : a;
  return shorter.every((part, i) => part === longer[i]);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : String(error);
}

/** What is wrong with a case's outcome, or undefined when it is what the case allows. */
function judgeResponse(c: BrokerResponseCase, outcome: { parsed: unknown } | { error: unknown }): string | undefined {
  const spec = ENDPOINTS[c.base.endpoint];
  const endpoint = `${spec.method} ${spec.path}`;
  const { expect } = c;
  if ('parsed' in outcome) {
    if (expect.outcome === 'parse' || expect.outcome === 'parse-or-typed-error') return undefined;
    if (expect.outcome === 'parse-or-response-error') {
      if (expect.kept === undefined || expect.path.some((key) => RENAMED_KEYS.has(String(key)))) return undefined;
      const kept = valueAt(outcome.parsed, expect.path);
      return kept === expect.kept ? undefined : `parsed, but '${pathText(expect.path)}' became ${JSON.stringify(kept)?.slice(0, 60)} instead of the value sent`;
    }
    return `parsed, but ${expect.outcome} was expected`;
  }
  const { error } = outcome;
  if (error instanceof HangError) return error.message;
  if (!(error instanceof CapitalError)) return `not a typed client error: ${describeError(error)}`;
  if (error.endpoint !== endpoint) return `the error names '${error.endpoint}', not '${endpoint}': ${describeError(error)}`;
  switch (expect.outcome) {
    case 'parse':
      return `failed where it must parse: ${describeError(error)}`;
    case 'parse-or-typed-error':
      return undefined;
    case 'parse-or-response-error':
    case 'response-error':
      if (!(error instanceof CapitalResponseError)) return `expected a response error: ${describeError(error)}`;
      if (expect.path && !related(error.field, expect.path)) return `the error names field '${error.field}', not the changed '${pathText(expect.path)}': ${describeError(error)}`;
      return error.problem === '' ? 'the error gives no reason' : undefined;
    case 'unavailable':
      if (!(error instanceof CapitalUnavailableError)) return `expected CapitalUnavailableError: ${describeError(error)}`;
      return expect.problem.test(error.message) ? undefined : `the reason does not match ${expect.problem}: ${describeError(error)}`;
    case 'request-error':
      if (!(error instanceof CapitalRequestError)) return `expected CapitalRequestError: ${describeError(error)}`;
      return error.status === expect.status ? undefined : `status ${error.status}, not ${expect.status}`;
    case 'auth-error':
      return error instanceof CapitalAuthError ? undefined : `expected CapitalAuthError: ${describeError(error)}`;
  }
}

describe('bad input from the broker: the client parses or fails with a typed error, never crashes or hangs', () => {
  test(`${RESPONSE_CASES} malformed responses for ${READ_ENDPOINTS.size} endpoints`, async (t) => {
    const started = Date.now();
    const problems = new CaseFailures();
    const tally = new Map<string, number>();
    await forEachCase(RESPONSE_CASES, CONCURRENCY, async (index) => {
      const c = brokerResponseCase(index, bases);
      const key = `r${index}`;
      wires.set(key, c.wire);
      let outcome: { parsed: unknown } | { error: unknown };
      try {
        outcome = { parsed: await within(client.call(c.base.endpoint, { params: c.base.params, query: { ...c.base.query, badInputCase: key } }), HANG_MS, c.description) };
      } catch (error) {
        outcome = { error };
      } finally {
        wires.delete(key);
      }
      const problem = judgeResponse(c, outcome);
      if (problem) problems.add(c.description, problem);
      const verdict = 'parsed' in outcome ? 'parsed' : (outcome.error as Error).name;
      tally.set(verdict, (tally.get(verdict) ?? 0) + 1);
    });
    t.diagnostic(`${RESPONSE_CASES} responses in ${((Date.now() - started) / 1000).toFixed(1)} s: ${[...tally].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    assert.equal(problems.count, 0, problems.message());
    assert.equal(failures.count, 0, `unhandled: ${failures.first}`);
  });
});

/** What became of one planned row after parsing and normalisation, or what is wrong with it. */
function judgeTransaction(planned: RowPageCase['rows'][number], result: NormaliseResult): string | undefined {
  const row = planned.row as Record<string, unknown>;
  const { expect } = planned;
  if (expect.verdict === 'quarantine') {
    if (!result.quarantined) return `row ${String(row[ROW_MARKER])} (${planned.defect}) was accepted, not quarantined as ${expect.code}`;
    if (result.code !== expect.code) return `row ${String(row[ROW_MARKER])} (${planned.defect}) quarantined as ${result.code}, not ${expect.code}`;
    return result.reason.trim() === '' ? 'quarantined without a reason' : undefined;
  }
  if (expect.verdict !== 'accept') return `row ${String(row[ROW_MARKER])} (${planned.defect}) should have failed its page`;
  if (result.quarantined) return `row ${String(row[ROW_MARKER])} (${planned.defect}) was quarantined (${result.code}: ${result.reason}), not accepted`;
  const dateText = String(row.dateUtc ?? row.dateUTC);
  const checks: Array<[string, unknown, unknown]> = [
    ['reference', result.reference, row.reference],
    ['transactionType', result.transactionType, row.transactionType],
    ['amount', result.amount, canonical(toDecimal(row.size as string | number))],
    ['currency', result.currency, row.currency],
    ['bookedAtMs', result.bookedAtMs, Date.parse(`${dateText.slice(0, 23)}Z`)],
    ['note', result.note, row.note],
    ...(expect.known === undefined ? [] : ([['known', result.known, expect.known]] as Array<[string, unknown, unknown]>)),
  ];
  const wrong = checks.filter(([, actual, wanted]) => actual !== wanted).map(([name, actual, wanted]) => `${name} ${String(actual).slice(0, 40)} ≠ ${String(wanted).slice(0, 40)}`);
  return wrong.length === 0 ? undefined : `row ${String(row[ROW_MARKER])} (${planned.defect}) accepted with ${wrong.join(', ')}`;
}

/** The page must fail with a response error naming one of its refused rows (and that row's field). */
function judgeRefusedPage(page: RowPageCase, list: string, endpoint: string, error: unknown): string | undefined {
  if (error instanceof HangError) return error.message;
  if (!(error instanceof CapitalResponseError) || error.endpoint !== endpoint) return `expected a response error from ${endpoint}: ${describeError(error)}`;
  const named = page.rows.some((planned, k) => {
    if (planned.expect.verdict !== 'reject') return false;
    const prefix = [list, k, ...(planned.expect.field === '' ? [] : planned.expect.field.split('.'))];
    return related(error.field, prefix) && error.field.split('.').length >= prefix.length;
  });
  return named ? undefined : `the error names '${error.field}', not a refused row's field: ${describeError(error)}`;
}

describe('bad rows on the ingest path: kept, quarantined with a reason, or refused with their page; never dropped or guessed', () => {
  test(`${TRANSACTION_PAGES} transaction pages through transactionsInWithRaw and normaliseRows`, async (t) => {
    const started = Date.now();
    const problems = new CaseFailures();
    const counts = { rowsIn: 0, accepted: 0, quarantined: 0, refusedWithPage: 0, pagesRefused: 0 };
    await forEachCase(TRANSACTION_PAGES, CONCURRENCY, async (index) => {
      const page = transactionPageCase(index, transactionTemplates, WINDOW);
      const key = `t${index}`;
      wires.set(key, { kind: 'answer', status: 200, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify({ transactions: page.rows.map((r) => r.row) })) });
      counts.rowsIn += page.rows.length;
      try {
        const refuses = page.rows.some((r) => r.expect.verdict === 'reject');
        let read: Awaited<ReturnType<CapitalClient['transactionsInWithRaw']>>;
        try {
          read = await within(client.transactionsInWithRaw(WINDOW, key), HANG_MS, page.description);
        } catch (error) {
          const problem = refuses ? judgeRefusedPage(page, 'transactions', 'GET /history/transactions', error) : `a page with no refused row failed: ${describeError(error)}`;
          if (problem) problems.add(page.description, problem);
          else {
            counts.pagesRefused++;
            counts.refusedWithPage += page.rows.length;
          }
          return;
        }
        if (refuses) return problems.add(page.description, 'a page with a refused row parsed');
        if (read.rows.length !== page.rows.length) return problems.add(page.description, `${page.rows.length} rows sent, ${read.rows.length} returned: rows were dropped`);
        // The same call ingest makes (activities/ingest.ts storeTransactions).
        const results = normaliseRows(read.rows, ACCOUNT_ID, { rawRows: read.raw });
        const judged = results.map((result, i) => {
          const k = (read.raw[i] as Record<string, unknown>)[ROW_MARKER] as number;
          return judgeTransaction(page.rows[k] as RowPageCase['rows'][number], result);
        });
        const accepted = results.filter((r) => !r.quarantined).length;
        const quarantined = results.filter((r) => r.quarantined).length;
        if (accepted + quarantined !== page.rows.length) judged.push(`${page.rows.length} rows in, ${accepted} accepted + ${quarantined} quarantined`);
        const wrong = judged.filter((p): p is string => p !== undefined);
        if (wrong.length > 0) problems.add(page.description, wrong.join('; '));
        counts.accepted += accepted;
        counts.quarantined += quarantined;
      } catch (error) {
        problems.add(page.description, `threw: ${describeError(error)}`);
      } finally {
        wires.delete(key);
      }
    });
    t.diagnostic(`${TRANSACTION_PAGES} pages in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);
    assert.equal(problems.count, 0, problems.message());
    assert.equal(counts.rowsIn, counts.accepted + counts.quarantined + counts.refusedWithPage, 'every row is accounted for');
    if (allCasesRun()) assert.ok(counts.quarantined > 0 && counts.pagesRefused > 0 && counts.accepted > 0, `every verdict occurs: ${JSON.stringify(counts)}`);
    assert.equal(failures.count, 0, `unhandled: ${failures.first}`);
  });

  test(`${ACTIVITY_PAGES} activity pages through activityBetween, as ingest reads POSITION rows`, async (t) => {
    const started = Date.now();
    const problems = new CaseFailures();
    const counts = { rowsIn: 0, kept: 0, refusedWithPage: 0, pagesRefused: 0 };
    await forEachCase(ACTIVITY_PAGES, CONCURRENCY, async (index) => {
      const page = activityPageCase(index, activityTemplates, WINDOW);
      const key = `a${index}`;
      wires.set(key, { kind: 'answer', status: 200, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify({ activities: page.rows.map((r) => r.row) })) });
      counts.rowsIn += page.rows.length;
      const refuses = page.rows.some((r) => r.expect.verdict === 'reject');
      try {
        const rows: Activity[] = [];
        try {
          await within(
            (async () => {
              for await (const { activities } of client.activityBetween(WINDOW, { filter: key })) rows.push(...activities);
            })(),
            HANG_MS,
            page.description,
          );
        } catch (error) {
          const problem = refuses ? judgeRefusedPage(page, 'activities', 'GET /history/activity', error) : `a page with no refused row failed: ${describeError(error)}`;
          if (problem) problems.add(page.description, problem);
          else {
            counts.pagesRefused++;
            counts.refusedWithPage += page.rows.length;
          }
          return;
        }
        if (refuses) return problems.add(page.description, 'a page with a refused row parsed');
        if (rows.length !== page.rows.length) return problems.add(page.description, `${page.rows.length} rows sent, ${rows.length} returned: rows were dropped`);
        const wrong: string[] = [];
        for (const activity of rows) {
          const sent = page.rows[(activity as Record<string, unknown>)[ROW_MARKER] as number]?.row as Record<string, unknown>;
          // The mapping ingest applies (activities/ingest.ts positionSource).
          const atMs = parseBrokerUtc(activity.dateUtc);
          const wanted = Date.parse(`${String(sent.dateUTC ?? sent.dateUtc).slice(0, 23)}Z`);
          if (atMs !== wanted) wrong.push(`row ${String(sent[ROW_MARKER])} at ${String(atMs)}, sent ${wanted}`);
          for (const field of ['epic', 'dealId', 'source', 'status', 'type'] as const) {
            if (activity[field] !== sent[field]) wrong.push(`row ${String(sent[ROW_MARKER])} ${field} ${String(activity[field])} ≠ ${String(sent[field])}`);
          }
        }
        if (wrong.length > 0) problems.add(page.description, wrong.join('; '));
        counts.kept += rows.length;
      } catch (error) {
        problems.add(page.description, `threw: ${describeError(error)}`);
      } finally {
        wires.delete(key);
      }
    });
    t.diagnostic(`${ACTIVITY_PAGES} pages in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);
    assert.equal(problems.count, 0, problems.message());
    assert.equal(counts.rowsIn, counts.kept + counts.refusedWithPage, 'every row is accounted for');
    assert.equal(failures.count, 0, `unhandled: ${failures.first}`);
  });
});
