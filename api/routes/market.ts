import { setTimeout as sleep } from 'node:timers/promises';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { instrumentId } from '../../lib/ledger/instrument-id';
import { backfillWorkflowId, type BucketRange } from '../../lib/market/backfill-plan';
import { EPIC_PATTERN } from '../../lib/market/epic-batches';
import { bucketStartMs, resolutionLengthMs, RESOLUTIONS, type Resolution } from '../../lib/market/resolutions';
import { latestQuotes } from '../../lib/store/market-bars';
import { checkOhlcRange, ohlcBetween, OhlcRangeError, OHLC_BUCKETS_PER_READ_MAX, type OhlcRead } from '../../lib/store/market-ohlc';
import type { backfillPrices, BackfillPricesResult, BackfillProgress } from '../../workflows/market-backfill';
import { ApiError } from '../http/errors';
import { accountId, instant } from '../http/fields';
import { defineRoute, type RouteModule } from '../route';

/** How long one request waits for its back-fill; past it the answer says the back-fill is still running. */
export const BACKFILL_WAIT_MS = 60_000;
/** Buckets before `to` a request without `from` covers. */
const DEFAULT_BUCKETS = 100;
/** Epics per latest-quotes request. */
const QUOTE_EPICS_MAX = 100;

const epic = z.string().regex(EPIC_PATTERN, "an epic: upper-case letters, digits, '.', '_' or '-', at most 64").describe('Capital.com epic, e.g. GOLD or BTCUSD');

const ohlcQuery = z.strictObject({
  resolution: z.enum(RESOLUTIONS).default('HOUR').describe('bar resolution (default HOUR)'),
  from: instant.optional().describe(`first instant; the bar holding it is the first one (default: ${DEFAULT_BUCKETS} bars before \`to\`)`),
  to: instant.optional().describe('last instant, inclusive (default: now); the bar holding it is the last one'),
  backfill: z.enum(['true', 'false']).default('true').transform((value) => value === 'true').describe('fetch closed bars missing from the store from GET /prices first, and wait for them (default true)'),
  accountId: accountId.optional().describe("whose Capital.com session back-fills (prices are the same for every account of the worker's login; default: the login's own account)"),
});

const prices = z.object({ open: z.string(), high: z.string(), low: z.string(), close: z.string() });
const rangeView = z.object({ from: z.string(), to: z.string().describe('exclusive') });

const barView = z.object({
  time: z.string().describe('bucket start, UTC'),
  source: z.enum(['broker', 'stream']).describe('broker = back-filled from GET /prices; stream = built from streamed quotes'),
  forming: z.boolean().describe('the bucket has not ended yet (only a streamed bar can be forming)'),
  instrumentId: z.string(),
  bid: prices,
  ask: prices,
  volume: z.number().nullable().describe("the broker's lastTradedVolume (broker bars)"),
  quoteCount: z.number().nullable().describe('quotes the bar was built from (streamed bars)'),
});

const backfillView = z.object({
  status: z.enum(['not-needed', 'disabled', 'done', 'incomplete', 'running']).describe('running = still going after the wait; ask again for the rest'),
  workflowId: z.string().optional(),
  pages: z.number().optional(),
  barsStored: z.number().optional(),
  brokerNow: z.string().optional().describe("the broker's clock: buckets not closed by then were not fetched"),
});

const ohlcAnswer = z.object({
  epic: z.string(),
  instrumentId: z.string(),
  resolution: z.enum(RESOLUTIONS),
  from: z.string(),
  to: z.string(),
  now: z.string(),
  bars: z.array(barView),
  setAside: z.array(z.object({ snapshotTimeUTC: z.string(), time: z.string().optional(), reason: z.string() })).describe("broker rows not used, with the reason (bad-time, misaligned, inconsistent, conflicting, outside-page, forming, repeated)"),
  coverage: z.object({ covered: z.array(rangeView), missing: z.array(rangeView).describe('closed buckets no back-fill has fetched') }),
  backfill: backfillView,
});

export type OhlcAnswer = z.infer<typeof ohlcAnswer>;
export type BackfillView = z.infer<typeof backfillView>;

const iso = (ms: number) => new Date(ms).toISOString();
const rangeOf = (range: BucketRange) => ({ from: iso(range.fromMs), to: iso(range.toMs) });

/** The answer of `GET /market/ohlc/{epic}` (and `recon prices --json`). */
export function ohlcView(read: OhlcRead, backfill: BackfillView): OhlcAnswer {
  return {
    epic: read.epic,
    instrumentId: read.instrumentId,
    resolution: read.resolution,
    from: iso(read.fromMs),
    to: iso(read.toMs),
    now: iso(read.nowMs),
    bars: read.bars.map((bar) => ({
      time: iso(bar.startMs),
      source: bar.source,
      forming: bar.source === 'stream' && bar.forming,
      instrumentId: read.instrumentId,
      bid: { ...bar.bid },
      ask: { ...bar.ask },
      volume: bar.source === 'broker' ? bar.lastTradedVolume : null,
      quoteCount: bar.source === 'stream' ? bar.quoteCount : null,
    })),
    setAside: read.setAside.map((row) => ({ snapshotTimeUTC: row.snapshotTimeUTC, ...(row.startMs !== undefined ? { time: iso(row.startMs) } : {}), reason: row.reason })),
    coverage: { covered: read.coverage.covered.map(rangeOf), missing: read.coverage.missing.map(rangeOf) },
    backfill,
  };
}

/** `from` and `to` of a request with its defaults filled in: `to` now, `from` `DEFAULT_BUCKETS` bars before it. */
export function requestedRange(resolution: Resolution, fromMs: number | undefined, toMs: number | undefined, nowMs: number): { fromMs: number; toMs: number } {
  const to = toMs ?? nowMs;
  return { fromMs: fromMs ?? Math.max(0, bucketStartMs(resolution, to) - (DEFAULT_BUCKETS - 1) * resolutionLengthMs(resolution)), toMs: to };
}

export interface BackfillRequest {
  epic: string;
  resolution: Resolution;
  /** The closed buckets to fetch (`OhlcRead.coverage.closed`). */
  range: BucketRange;
  accountId?: string;
}

/**
 * Starts `backfillPrices` on the recon task queue, or joins the run already going for the same
 * epic, resolution and closed range (the workflow id is derived from them), so identical requests
 * share one run; a finished run's id may start again.
 */
export async function startPricesBackfill(temporal: Client, taskQueue: string, request: BackfillRequest): Promise<WorkflowHandle<typeof backfillPrices>> {
  return temporal.workflow.start<typeof backfillPrices>('backfillPrices', {
    taskQueue,
    workflowId: backfillWorkflowId(request.epic, request.resolution, request.range),
    args: [{ ...(request.accountId ? { accountId: request.accountId } : {}), epic: request.epic, resolution: request.resolution, fromMs: request.range.fromMs, toMs: request.range.toMs - 1 }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}

export class BackfillFailedError extends Error {
  override name = 'BackfillFailedError';
  constructor(
    readonly workflowId: string,
    readonly reason: string,
  ) {
    super(`back-filling from GET /prices failed (workflow ${workflowId}): ${reason}`);
  }
}

/**
 * Waits for a back-fill at most `waitMs` (undefined when still running then), calling `onProgress`
 * with its `backfillProgress` every `progressEveryMs` when given. A failed run becomes
 * `BackfillFailedError` with the innermost reason Temporal recorded.
 */
export async function waitForBackfill(
  handle: WorkflowHandle<typeof backfillPrices>,
  options: { waitMs: number; onProgress?: (progress: BackfillProgress) => void; progressEveryMs?: number },
): Promise<BackfillPricesResult | undefined> {
  const finished = handle.result().then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  const deadline = Date.now() + options.waitMs;
  const everyMs = options.progressEveryMs ?? options.waitMs;
  // Bounded by the deadline: each round waits at least `everyMs` or until the run ends.
  for (let round = 0; round < 1_000_000; round++) {
    const leftMs = deadline - Date.now();
    if (leftMs <= 0) return undefined;
    const timer = new AbortController();
    const outcome = await Promise.race([finished, sleep(Math.min(everyMs, leftMs), undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
    if (outcome !== undefined) {
      if ('result' in outcome) return outcome.result;
      throw new BackfillFailedError(handle.workflowId, failureReason(outcome.error));
    }
    if (options.onProgress) {
      const progress = await handle.query<BackfillProgress>('backfillProgress').catch(() => undefined);
      if (progress) options.onProgress(progress);
    }
  }
  return undefined;
}

/** The failure under Temporal's wrappers: an activity's application failure, usually. */
function failureReason(error: unknown): string {
  let current: unknown = error instanceof WorkflowFailedError ? error.cause : error;
  for (let depth = 0; depth < 16 && (current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause instanceof Error; depth++) current = current.cause;
  if (current instanceof ApplicationFailure && current.type) return `${current.message} (${current.type})`;
  return current instanceof Error ? current.message : String(current);
}

export function backfillOutcome(workflowId: string, result: BackfillPricesResult | undefined): BackfillView {
  if (!result) return { status: 'running', workflowId };
  return { status: result.complete ? 'done' : 'incomplete', workflowId, pages: result.pages, barsStored: result.barsInserted + result.barsUpdated, brokerNow: iso(result.brokerNowMs) };
}

function rangeError(error: unknown): unknown {
  return error instanceof OhlcRangeError ? new ApiError(400, error.code, error.message) : error;
}

const quotesQuery = z.strictObject({
  epics: z
    .string()
    .transform((text) => [...new Set(text.split(',').map((item) => item.trim()).filter((item) => item !== ''))])
    .pipe(z.array(epic).min(1, 'at least one epic').max(QUOTE_EPICS_MAX, `at most ${QUOTE_EPICS_MAX} epics`))
    .describe(`comma-separated epics, at most ${QUOTE_EPICS_MAX}`),
});

const quoteView = z.object({ epic: z.string(), instrumentId: z.string(), at: z.string(), bid: z.string(), ask: z.string() });

export const marketRoutes: RouteModule = {
  tag: 'market',
  description: 'Market data: OHLC bars by epic, resolution and time range (streamed bars merged with bars back-filled from the broker on demand) and the latest streamed quotes.',
  routes: [
    defineRoute({
      method: 'GET',
      path: '/market/ohlc/{epic}',
      operationId: 'getOhlc',
      tag: 'market',
      summary: 'OHLC bars of an epic over a time range, back-filling closed bars the store lacks',
      description: `From stored bars: a closed broker bar (GET /prices) wins over a streamed one; otherwise the streamed bar fills the bucket, the forming one included. With backfill=true (the default) closed buckets no back-fill has fetched yet are fetched first by the backfillPrices workflow on the recon task queue; identical requests share one run, and the request waits for it up to ${BACKFILL_WAIT_MS / 1000} s (then backfill.status is running: ask again). Prices are decimal strings. At most ${OHLC_BUCKETS_PER_READ_MAX} buckets per request.`,
      scope: 'market:read',
      params: z.strictObject({ epic }),
      query: ohlcQuery,
      answers: {
        200: { description: 'the bars, what was set aside, and what is still missing', content: { 'application/json': ohlcAnswer } },
        400: { description: 'bad_range (to before from), range_too_large (more buckets than one request may span), or a bad parameter' },
        502: { description: 'backfill_failed: the back-fill failed (the reason says why; backfill=false answers from the store alone)' },
      },
      handle: async ({ params, query, deps }) => {
        const { fromMs, toMs } = requestedRange(query.resolution, query.from, query.to, Date.now());
        try {
          checkOhlcRange(query.resolution, fromMs, toMs);
          const range = { epic: params.epic, resolution: query.resolution, fromMs, toMs };
          const read = await ohlcBetween(deps.db, { ...range, nowMs: Date.now() });
          if (read.coverage.missing.length === 0 || !read.coverage.closed) return ohlcView(read, { status: 'not-needed' });
          if (!query.backfill) return ohlcView(read, { status: 'disabled' });
          const handle = await startPricesBackfill(deps.temporal, deps.taskQueue, { epic: params.epic, resolution: query.resolution, range: read.coverage.closed, ...(query.accountId ? { accountId: query.accountId } : {}) });
          const result = await waitForBackfill(handle, { waitMs: BACKFILL_WAIT_MS });
          return ohlcView(await ohlcBetween(deps.db, { ...range, nowMs: Date.now() }), backfillOutcome(handle.workflowId, result));
        } catch (error) {
          if (error instanceof BackfillFailedError) throw new ApiError(502, 'backfill_failed', `${error.message}; ask with backfill=false for the stored bars only`, undefined, undefined, { workflowId: error.workflowId });
          throw rangeError(error);
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/market/quotes/latest',
      operationId: 'getLatestQuotes',
      tag: 'market',
      summary: 'The newest streamed quote of each epic',
      description: 'From the streaming supervisors (recon stream start): an epic that is not streamed, or has not quoted yet, is listed under missing.',
      scope: 'market:read',
      query: quotesQuery,
      answers: { 200: { description: 'the quotes, prices as decimal strings', content: { 'application/json': z.object({ items: z.array(quoteView), missing: z.array(z.string()) }) } } },
      handle: async ({ query, deps }) => {
        const quotes = await latestQuotes(deps.db, query.epics);
        const found = new Set(quotes.map((quote) => quote.epic));
        return {
          items: quotes.map((quote) => ({ epic: quote.epic, instrumentId: instrumentId(quote.epic), at: iso(quote.atMs), bid: quote.bid, ask: quote.ask })),
          missing: query.epics.filter((name) => !found.has(name)),
        };
      },
    }),
  ],
};
