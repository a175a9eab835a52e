/**
 * Load: the HTTP API (`recon api`, its own process, production wiring) under a bounded load from a
 * second process on loopback: many clients on keep-alive connections, each issuing requests back
 * to back, list statements (with and without filters), download every format in full with its
 * SHA-256 checked against X-Content-SHA256 and the listed hash, and revalidate with If-None-Match
 * (304). No error of any kind (status, socket, timeout, a wrong byte), every route served, and the
 * server logs no error. Latencies (p50/p90/p99/max per route) are reported, never asserted: the
 * machine is shared.
 *
 * The statements come from three months reconciled for real through a recon worker (seed in the
 * diagnostics, RECON_API_LOAD_SEED replays another). Full size: 200 clients for 60 s; reduced: 50
 * for 10 s.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiLoadSeed, describeLoad, loadTargets, loadToken, reconcileStatements, runLoadClient, startApiProcess, type ApiProcess, type LoadTarget, type ReconciledStatements } from '../helpers/api-load';
import { bySize } from '../helpers/reliability';
import { testStack } from '../helpers/stack';

const SEED = apiLoadSeed();
const SIZE = bySize({
  full: { concurrency: 200, durationMs: 60_000, requestsMin: 2_000, timeoutMs: 20 * 60_000 },
  reduced: { concurrency: 50, durationMs: 10_000, requestsMin: 200, timeoutMs: 8 * 60_000 },
});
const MONTHS = 3;
const TRANSACTIONS_PER_MONTH = 400;

describe('the HTTP API under load from another process', { timeout: SIZE.timeoutMs }, () => {
  const { token, spec } = loadToken();
  let statements: ReconciledStatements;
  let api: ApiProcess;
  let targets: LoadTarget[];
  let preparedMs: number;

  before(async () => {
    const started = Date.now();
    const stack = testStack();
    statements = await reconcileStatements(stack, { seed: SEED, months: MONTHS, transactionsPerMonth: TRANSACTIONS_PER_MONTH });
    api = await startApiProcess(stack, statements, spec);
    targets = await loadTargets(api.url, token, statements, SEED);
    preparedMs = Date.now() - started;
  }, { timeout: SIZE.timeoutMs });

  after(async () => {
    await api?.stop();
    await statements?.close();
  });

  test(`${SIZE.concurrency} clients for ${SIZE.durationMs / 1000} s: listings, every format downloaded and verified, revalidations; no error`, { timeout: SIZE.timeoutMs }, async (t) => {
    const routes = [...new Set(targets.map((target) => target.route))].sort();
    t.diagnostic(`seed ${SEED} (RECON_API_LOAD_SEED); ${MONTHS} months of ${TRANSACTIONS_PER_MONTH} transactions reconciled and the API started in ${(preparedMs / 1000).toFixed(1)} s; ${targets.length} targets on ${routes.length} routes`);
    const report = await runLoadClient({ baseUrl: api.url, token, targets, concurrency: SIZE.concurrency, durationMs: SIZE.durationMs });
    for (const line of describeLoad(report)) t.diagnostic(line);
    const serverLog = api.log();
    t.diagnostic(`server: peak RSS ${api.peakRssMb() ?? 'unknown'} MB; log lines by level ${JSON.stringify(serverLog.linesByLevel)}`);

    assert.equal(report.errors, 0, `errors by kind ${JSON.stringify(report.errorsByKind)}:\n${report.errorSamples.join('\n')}`);
    assert.deepEqual(Object.keys(report.routes).filter((route) => report.routes[route]!.requests === 0), [], 'every route was requested');
    assert.deepEqual(Object.keys(report.routes).sort(), routes);
    for (const extension of ['.csv', '.json', '.xlsx', '.pdf', '.journal']) assert.ok(routes.includes(`download ${extension}`), `the mix downloads ${extension} files`);
    assert.ok(report.requests >= SIZE.requestsMin, `${report.requests} requests in ${report.elapsedMs} ms; at least ${SIZE.requestsMin} expected`);
    assert.ok(report.connectionsOpened <= SIZE.concurrency, `${report.connectionsOpened} connections for ${SIZE.concurrency} clients: keep-alive connections are reused`);
    assert.deepEqual(serverLog.errorLines, [], 'the server logged no error');

    // Still serving afterwards: the listing answers as before.
    const listing = targets.find((target) => target.route === 'GET /statements')!;
    const afterwards = await fetch(`${api.url}${listing.path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(afterwards.status, 200);
    assert.equal(createHash('sha256').update(Buffer.from(await afterwards.arrayBuffer())).digest('hex'), listing.sha256);
  });

  test('the checks are not blind: a wrong byte, a wrong status, a missing file and a file changed on disk are each errors', { timeout: SIZE.timeoutMs }, async (t) => {
    const run = statements.runs[0]!.statements!;
    const largest = [...run.artifacts].sort((a, b) => b.bytes - a.bytes)[0]!;
    const changed = targets.find((target) => target.route !== 'revalidate (304)' && target.path.endsWith(`/${largest.file}`) && target.sha256 === largest.sha256)!;
    const pdf = targets.find((target) => target.route === 'download .pdf' && target.path !== changed.path)!;
    const listing = targets.find((target) => target.route === 'GET /statements')!;
    const wrong: LoadTarget[] = [
      { ...pdf, route: 'expects another hash', sha256: flippedHex(pdf.sha256!) },
      { ...listing, route: 'expects a 304', status: 304 },
      { ...pdf, route: 'names no file', path: pdf.path.replace(/[^/]+$/, 'statement-nobody.pdf') },
      { ...changed, route: 'changed on disk' },
    ];
    const file = path.join(run.dir, largest.file);
    const original = readFileSync(file);
    const flipped = Buffer.from(original);
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x01;
    writeFileSync(file, flipped);
    let report;
    try {
      report = await runLoadClient({ baseUrl: api.url, token, targets: wrong, concurrency: wrong.length, durationMs: 1_000 });
    } finally {
      writeFileSync(file, original);
    }
    t.diagnostic(`errors by kind ${JSON.stringify(report.errorsByKind)} (${largest.file}, ${largest.bytes} bytes, changed on disk)`);
    assert.equal(report.errors, report.requests, 'every request was an error');
    for (const target of wrong) assert.ok(report.routes[target.route]!.requests > 0, `${target.route} was requested`);
    assert.ok(report.errorsByKind['hash mismatch']! > 0 && report.errorsByKind['status 200']! > 0 && report.errorsByKind['status 404']! > 0, JSON.stringify(report.errorsByKind));
    // A changed file is refused before the first byte (409) or cut short of its Content-Length.
    const refusals = Object.keys(report.errorsByKind).filter((kind) => !['hash mismatch', 'status 200', 'status 404'].includes(kind));
    assert.ok(refusals.length > 0 && refusals.every((kind) => kind === 'status 409' || kind === 'incomplete body' || kind.startsWith('socket ')), JSON.stringify(report.errorsByKind));
  });
});

function flippedHex(hex: string): string {
  return `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;
}
