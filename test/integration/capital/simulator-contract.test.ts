import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { apiPathOf, findEndpoint } from '../../../lib/capital/schemas';
import { shapeDifferences } from '../../helpers/json-shape';
import { OFFICIAL_EXAMPLES_DIR } from '../../helpers/official-examples';
import { startSimulatorWithClient, type SimulatorFixture } from '../../helpers/simulator';

interface Example {
  file: string;
  request: { method: string; url: string; body: unknown };
  response: { status: number; body: unknown };
}

const examples: Example[] = readdirSync(OFFICIAL_EXAMPLES_DIR)
  .filter((f) => f.endsWith('.json') && /^(get|post|put|delete)-/.test(f))
  .map((file) => ({ file, ...(JSON.parse(readFileSync(path.join(OFFICIAL_EXAMPLES_DIR, file), 'utf8')) as Omit<Example, 'file'>) }))
  .filter((e) => e.response.status >= 200 && e.response.status < 300)
  // Reads first, then changes, then deletions, and the logout last of all.
  .sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file));

function rank(example: { file: string; request: { method: string; url: string } }): number {
  // Switching account and logging out change what later calls see: they go last.
  if (example.request.method === 'PUT' && example.request.url.endsWith('/session')) return 4;
  if (example.request.method === 'DELETE' && example.request.url.endsWith('/session')) return 5;
  // Deeper deletions first: remove a market from a watchlist before deleting the watchlist.
  if (example.request.method === 'DELETE') return 3 + 1 / example.request.url.split('/').length;
  return { GET: 0, POST: 1, PUT: 2 }[example.request.method] ?? 6;
}

/**
 * Fields the official examples happen to leave out but the API sends when they apply (§5–§6 of
 * the reference); the simulator may send them. Each entry: a path pattern and why.
 */
const OPTIONAL_FIELDS: Array<[RegExp, string]> = [
  [/\.?(symbol|marketModes): unexpected key/, 'the newer docs add symbol and marketModes to market objects (§5, §7.2)'],
  [/dealingRules\.(minGuaranteedStopDistance|minStopOrProfitDistance|maxStopOrProfitDistance): unexpected key/, 'dealing rules renamed in the newer docs (§7.3)'],
  [/dealingRules\.(minControlledRiskStopDistance|minNormalStopOrLimitDistance|maxStopOrLimitDistance): missing/, 'the 2023 names of the same rules (§7.3)'],
  [/dealingRules\.(maxDealSize|minSizeIncrement): unexpected key/, 'dealing rules listed in the newer docs (§7.3)'],
  [/instrument\.(guaranteedStopAllowed: unexpected key|controlledRiskAllowed: missing)/, 'controlledRiskAllowed renamed guaranteedStopAllowed (§7.3)'],
  [/instrument\.(overnightFee|symbol): unexpected key/, 'instrument fields of the newer docs (§7.3)'],
  [/^accounts\.\*\.(balance|currency|symbol): unexpected key/, 'accounts carry currency, symbol and balance in the newest docs (§1.3, §3)'],
  [/^transactions\.\*\.status: unexpected key/, 'status: PROCESSED in the newest docs (§4.2)'],
  [/^transactions\.\*\.dealId: unexpected key/, 'dealId on TRADE rows, seen live (§4.2)'],
  [/^transactions\.\*\.instrumentName: (missing|unexpected key)/, 'absent on DEPOSIT rows (§4.2)'],
  [/^activities\.\*\.details\.(stopLevel|profitLevel|stopDistance|trailingStop|workingOrderId|openPrice): (missing|unexpected key)/, 'details fields present when they apply (§4.1)'],
  [/position\.(stopLevel|profitLevel|trailingStop|stopDistance): unexpected key/, 'present when set (§5)'],
  [/workingOrderData\.(goodTillDate|goodTillDateUTC|stopDistance|profitDistance): (missing|unexpected key)/, 'only on good-till-date orders, or when set (§6.1)'],
  [/workingOrderData\.(leverage|trailingStop): unexpected key/, 'fields of the newer docs (§6.1)'],
];

/** The newer documented bodies, compared with no allowance but the when-set fields. */
const NEWEST: Array<[string, string, string]> = [
  ['newest-docs-session-create.json', 'POST', '/session'],
  ['newest-docs-history-transactions.json', 'GET', '/history/transactions?from=2025-01-06T00:00:00&to=2025-01-07T00:00:00'],
  ['newest-docs-positions.json', 'GET', '/positions'],
  ['newest-docs-workingorders.json', 'GET', '/workingorders'],
];

let fixture: SimulatorFixture;
let ids: Record<string, string>;

/** A call through the client's session (it logs in again if an example ended the session). */
async function raw(method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const { apiKey, identifier, password } = fixture.simulator.credentials;
  if (apiPath === '/session/encryptionKey') {
    const response = await fetch(`${fixture.simulator.restBaseUrl}${apiPath}`, { headers: { 'X-CAP-API-KEY': apiKey } });
    return { status: response.status, body: await response.json() };
  }
  if (apiPath === '/session' && method === 'POST') {
    // Logins are limited to one per second per API key: wait out the previous one.
    await sleep(1_100);
    const response = await fetch(`${fixture.simulator.restBaseUrl}/session`, {
      method,
      headers: { 'X-CAP-API-KEY': apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ identifier, password }),
    });
    return { status: response.status, body: await response.json() };
  }
  const url = new URL(`http://x${apiPath}`);
  try {
    // Order POSTs go through the trading limiter, as the client's own methods send them.
    const trading = method === 'POST' && (url.pathname === '/positions' || url.pathname === '/workingorders');
    const response = await fixture.client.session.request({ method: method as 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body, trading });
    return { status: response.status, body: response.body };
  } catch (error) {
    return { status: (error as { status?: number }).status ?? 0, body: { error: (error as Error).message } };
  }
}

async function silverMidPrice(): Promise<number> {
  const market = (await raw('GET', '/markets/SILVER')).body as { snapshot: { bid: number; offer: number } };
  return (market.snapshot.bid + market.snapshot.offer) / 2;
}

before(async () => {
  fixture = await startSimulatorWithClient({ seed: 11 });
  const positions = (await raw('GET', '/positions')).body as { positions: Array<{ position: { dealId: string } }> };
  await raw('POST', '/workingorders', { epic: 'BTCUSD', direction: 'BUY', size: 1, level: 1, type: 'LIMIT' });
  const orders = (await raw('GET', '/workingorders')).body as { workingOrders: Array<{ workingOrderData: { dealId: string } }> };
  const opened = (await raw('POST', '/positions', { epic: 'SILVER', direction: 'BUY', size: 1 })).body as { dealReference: string };
  const confirm = (await raw('GET', `/confirms/${opened.dealReference}`)).body as { affectedDeals: Array<{ dealId: string }> };
  const watchlist = (await raw('POST', '/watchlists', { name: 'contract', epics: ['SILVER', 'GOLD'] })).body as { watchlistId: string };
  const nodes = (await raw('GET', '/marketnavigation')).body as { nodes: Array<{ id: string }> };
  let leaf = nodes.nodes[0]?.id ?? '';
  for (let depth = 0; depth < 6; depth++) {
    const node = (await raw('GET', `/marketnavigation/${leaf}`)).body as { nodes: Array<{ id: string }>; markets?: unknown[] };
    if (node.markets) break;
    leaf = node.nodes[0]?.id ?? leaf;
  }
  ids = {
    dealId: confirm.affectedDeals[0]?.dealId ?? positions.positions[0]?.position.dealId ?? '',
    orderId: orders.workingOrders[0]?.workingOrderData.dealId ?? '',
    dealReference: opened.dealReference,
    watchlistId: watchlist.watchlistId,
    nodeId: nodes.nodes[0]?.id ?? '',
    leafNodeId: leaf,
    secondAccountId: fixture.simulator.accounts()[1]?.accountId ?? '',
  };
});

after(() => fixture.close());

/** The concrete call for an example: its path with real ids, a query the simulator can answer. */
function concreteCall(example: Example, silverMid: number): { method: string; path: string; body?: unknown } {
  const method = example.request.method;
  const url = example.request.url.replace(/^\{\{url\}\}/, 'http://x');
  const template = apiPathOf(url);
  const query = new URL(url).search;
  const endpoint = findEndpoint(method, template);
  const path = template
    .replace(':dealId', template.startsWith('/workingorders') ? ids.orderId as string : ids.dealId as string)
    .replace(':dealReference', ids.dealReference as string)
    .replace(':watchlistId', ids.watchlistId as string)
    .replace(':nodeId', (query.includes('limit=2') ? ids.leafNodeId : ids.nodeId) as string)
    .replace(':epic', template.startsWith('/watchlists') ? 'SILVER' : 'SILVER')
    .replace(':marketId', 'SILVER');
  const queries: Record<string, string> = {
    activity: `?from=2025-01-06T00:00:00&to=2025-01-07T00:00:00${query.includes('detailed=true') ? '&detailed=true' : ''}`,
    transactions: '?from=2025-01-06T00:00:00&to=2025-01-07T00:00:00',
    prices: '?resolution=HOUR&max=10',
    clientSentiments: '?marketIds=SILVER,NATURALGAS',
    markets: query.includes('epics') && !query.includes('searchTerm') ? '?epics=SILVER,NATURALGAS' : '?searchTerm=silver',
  };
  return { method, path: path + (queries[endpoint?.name ?? ''] ?? query), body: adaptBody(example.request.body, silverMid) };
}

/** SILVER's mid price when the official examples were written (their levels sit around it). */
const EXAMPLES_SILVER_MID = 23.5;
const LEVEL_FIELDS = ['level', 'stopLevel', 'profitLevel'];

/**
 * The example's body with its 2022 dates and account ids replaced by ones valid here, and its
 * price levels moved with SILVER's simulated price (same distances in percent), so that a price
 * that has wandered does not turn a valid take-profit into an invalid one.
 */
function adaptBody(body: unknown, silverMid: number): unknown {
  if (body === null || typeof body !== 'object') return undefined;
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const field of LEVEL_FIELDS) {
    if (typeof copy[field] === 'number') copy[field] = Number(((copy[field] as number) * silverMid / EXAMPLES_SILVER_MID).toFixed(2));
  }
  if ('goodTillDate' in copy) copy.goodTillDate = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 19);
  if ('accountId' in copy) copy.accountId = ids.secondAccountId;
  return copy;
}

function differencesOf(expected: unknown, actual: unknown): string[] {
  return [...new Set(shapeDifferences(expected, actual).map((d) => d.replace(/\.\d+(?=\.|:)/g, '.*')))].filter((d) => !OPTIONAL_FIELDS.some(([pattern]) => pattern.test(d)));
}

describe('the simulator answers with the same shapes as the newest documented bodies', () => {
  for (const [file, method, apiPath] of NEWEST) {
    test(file, async () => {
      const answer = await raw(method, apiPath);
      assert.equal(answer.status, 200);
      assert.deepEqual(differencesOf(JSON.parse(readFileSync(path.join(OFFICIAL_EXAMPLES_DIR, file), 'utf8')), answer.body), []);
    });
  }
});

describe('the simulator answers with the same shapes as the official examples', () => {
  for (const example of examples) {
    test(example.file, async () => {
      const call = concreteCall(example, await silverMidPrice());
      const answer = await raw(call.method, call.path, call.body);
      assert.equal(answer.status, 200, `${call.method} ${call.path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
      assert.deepEqual(differencesOf(example.response.body, answer.body), []);
    });
  }
});
