import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SetAsideCounts } from '../activities/market-backfill';
import type { Resolution } from '../lib/market/resolutions';

/**
 * Back-fills the closed bars of one epic and resolution over a range from `GET /prices`, on the
 * recon task queue. The work is done in chunks of a few pages (`backfillPricesChunk`), each of
 * which plans from the coverage recorded so far, so a retried chunk, a second run or a concurrent
 * one only asks for what is still missing; between chunks the `backfillProgress` query answers how
 * far it got. Callers derive the workflow id from the epic, resolution and closed range
 * (`backfillWorkflowId`), so identical requests made while one runs share it.
 */
export interface BackfillPricesInput {
  /** Whose session fetches; absent = the worker's login as it logs in (prices are the same for every account). */
  accountId?: string;
  epic: string;
  resolution: Resolution;
  /** Both ends inclusive, UTC epoch ms. */
  fromMs: number;
  toMs: number;
}

export interface BackfillProgress {
  pagesDone: number;
  /** Pages known so far to be needed (the first chunk's plan, adjusted by later ones). */
  pagesTotal: number;
  barsStored: number;
  done: boolean;
}

export interface BackfillPricesResult {
  epic: string;
  resolution: Resolution;
  fromMs: number;
  toMs: number;
  /** The broker's clock at the last chunk: buckets that had not closed by then were not fetched. */
  brokerNowMs: number;
  pages: number;
  barsInserted: number;
  barsUpdated: number;
  barsUnchanged: number;
  setAside: SetAsideCounts;
  chunks: number;
  /** False when it stopped with pages left: the broker kept answering without advancing (see the worker log). */
  complete: boolean;
}

export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');

/** Pages per activity: progress is reported between chunks. */
export const BACKFILL_PAGES_PER_CHUNK = 5;
/** Enough chunks for the largest plan (1,000 pages) plus re-asked truncated pages; keeps the history small. */
const CHUNKS_MAX = 250;

const { backfillPricesChunk } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

export async function backfillPrices(input: BackfillPricesInput): Promise<BackfillPricesResult> {
  const progress: BackfillProgress = { pagesDone: 0, pagesTotal: 0, barsStored: 0, done: false };
  setHandler(backfillProgressQuery, () => progress);
  const result: BackfillPricesResult = {
    epic: input.epic,
    resolution: input.resolution,
    fromMs: input.fromMs,
    toMs: input.toMs,
    brokerNowMs: 0,
    pages: 0,
    barsInserted: 0,
    barsUpdated: 0,
    barsUnchanged: 0,
    setAside: {},
    chunks: 0,
    complete: false,
  };
  for (let chunk = 0; chunk < CHUNKS_MAX; chunk++) {
    const done = await backfillPricesChunk({ ...input, pagesMax: BACKFILL_PAGES_PER_CHUNK });
    result.chunks++;
    result.brokerNowMs = done.brokerNowMs;
    result.pages += done.pagesFetched;
    result.barsInserted += done.barsInserted;
    result.barsUpdated += done.barsUpdated;
    result.barsUnchanged += done.barsUnchanged;
    for (const [reason, count] of Object.entries(done.setAside) as Array<[keyof SetAsideCounts, number]>) result.setAside[reason] = (result.setAside[reason] ?? 0) + count;
    progress.pagesTotal = progress.pagesDone + done.pagesPlanned;
    progress.pagesDone += done.pagesFetched;
    progress.barsStored += done.barsInserted + done.barsUpdated;
    if (done.pagesLeft === 0) {
      result.complete = true;
      break;
    }
    // Pages were fetched but none proved anything new: asking again would get the same answers.
    if (done.bucketsCovered === 0) break;
  }
  progress.done = true;
  return result;
}
