import { proxyActivities } from '@temporalio/workflow';
import type { Activities, IngestWindowResult } from '../activities';

const { ingestWindow } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Activities in flight per child: the client's own limits pace the broker calls anyway. */
const WINDOWS_IN_FLIGHT = 8;

export interface IngestWindowsInput {
  runId: string;
  accountId: string;
  windows: Array<{ index: number; fromMs: number; toMs: number }>;
}

export interface IngestTotals {
  windows: number;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  requests: number;
  retries: number;
  sessionRenewals: number;
  possiblyTruncated: number;
  /** One digest per window, in window order. */
  digests: string[];
}

export function addTotals(a: IngestTotals, b: IngestTotals): IngestTotals {
  return {
    windows: a.windows + b.windows,
    rows: a.rows + b.rows,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    quarantined: a.quarantined + b.quarantined,
    requests: a.requests + b.requests,
    retries: a.retries + b.retries,
    sessionRenewals: a.sessionRenewals + b.sessionRenewals,
    possiblyTruncated: a.possiblyTruncated + b.possiblyTruncated,
    digests: [...a.digests, ...b.digests],
  };
}

export const NO_TOTALS: IngestTotals = { windows: 0, rows: 0, inserted: 0, updated: 0, unchanged: 0, quarantined: 0, requests: 0, retries: 0, sessionRenewals: 0, possiblyTruncated: 0, digests: [] };

/**
 * Ingests a slice of a period's windows (a child of reconcileAccountPeriod, so no history grows
 * with the size of the month). Each activity's history records its window's query and outcome.
 */
export async function ingestWindows(input: IngestWindowsInput): Promise<IngestTotals> {
  const results: IngestWindowResult[] = new Array(input.windows.length);
  let next = 0;
  const lane = async () => {
    while (next < input.windows.length) {
      const position = next++;
      const window = input.windows[position] as IngestWindowsInput['windows'][number];
      results[position] = await ingestWindow({ runId: input.runId, accountId: input.accountId, windowIndex: window.index, fromMs: window.fromMs, toMs: window.toMs });
    }
  };
  await Promise.all(Array.from({ length: Math.min(WINDOWS_IN_FLIGHT, input.windows.length) }, lane));
  return results.reduce<IngestTotals>(
    (totals, r) =>
      addTotals(totals, { ...NO_TOTALS, windows: 1, rows: r.rows, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, quarantined: r.quarantined, requests: r.requests, retries: r.retries, sessionRenewals: r.sessionRenewals, possiblyTruncated: r.possiblyTruncated, digests: [r.digest] }),
    NO_TOTALS,
  );
}
