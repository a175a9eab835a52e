import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities, IngestCounts, IngestWindowResult, WindowRead } from '../activities';

const { ingestWindow } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  // A worker that dies mid-window is noticed within this long and the window is re-read elsewhere.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Activities in flight per child: the client's own limits pace the broker calls anyway. */
const WINDOWS_IN_FLIGHT = 8;

export interface IngestWindowsInput {
  runId: string;
  accountId: string;
  windows: Array<{ index: number; fromMs: number; toMs: number; reads: WindowRead[]; post: boolean }>;
  dryRun?: boolean;
  types?: string[];
}

export interface IngestProgress {
  windowsDone: number;
  rows: number;
}

/** How far this slice is (the parent's progress is per slice; `recon run --follow` asks the slices). */
export const ingestProgressQuery = defineQuery<IngestProgress>('ingestProgress');

/** Summed window counts, with each window's digests in window order and the rule set versions that posted. */
export interface IngestTotals extends IngestCounts {
  windows: number;
  digests: string[];
  /** The posted windows' ledger digests, in window order. */
  ledgerDigests: string[];
  ruleVersions: number[];
}

const COUNTS: ReadonlyArray<keyof IngestCounts> = ['rows', 'inserted', 'updated', 'unchanged', 'quarantined', 'positionRows', 'posted', 'postingQuarantined', 'requests', 'retries', 'sessionRenewals', 'possiblyTruncated'];

export const NO_TOTALS: IngestTotals = { windows: 0, digests: [], ledgerDigests: [], ruleVersions: [], ...(Object.fromEntries(COUNTS.map((k) => [k, 0])) as unknown as IngestCounts) };

export function addTotals(a: IngestTotals, b: IngestTotals): IngestTotals {
  const sum = {
    windows: a.windows + b.windows,
    digests: [...a.digests, ...b.digests],
    ledgerDigests: [...a.ledgerDigests, ...b.ledgerDigests],
    ruleVersions: [...new Set([...a.ruleVersions, ...b.ruleVersions])].sort((x, y) => x - y),
  } as IngestTotals;
  for (const key of COUNTS) sum[key] = a[key] + b[key];
  return sum;
}

function totalsOf({ windowIndex: _index, digest, ledger, ...counts }: IngestWindowResult): IngestTotals {
  return { ...counts, windows: 1, digests: [digest], ledgerDigests: ledger ? [ledger.digest] : [], ruleVersions: ledger?.ruleVersions ?? [] };
}

/**
 * Ingests a slice of a period's windows (a child of reconcileAccountPeriod, so no history grows
 * with the size of the month). Each activity's history records its window's query and outcome.
 */
export async function ingestWindows(input: IngestWindowsInput): Promise<IngestTotals> {
  const results: IngestWindowResult[] = new Array(input.windows.length);
  const progress: IngestProgress = { windowsDone: 0, rows: 0 };
  setHandler(ingestProgressQuery, () => progress);
  let next = 0;
  const lane = async () => {
    while (next < input.windows.length) {
      const position = next++;
      const window = input.windows[position] as IngestWindowsInput['windows'][number];
      const { index, ...read } = window;
      const result = await ingestWindow({ runId: input.runId, accountId: input.accountId, windowIndex: index, ...read, dryRun: input.dryRun ?? false, ...(input.types ? { types: input.types } : {}) });
      results[position] = result;
      progress.windowsDone++;
      progress.rows += result.rows;
    }
  };
  await Promise.all(Array.from({ length: Math.min(WINDOWS_IN_FLIGHT, input.windows.length) }, lane));
  return results.map(totalsOf).reduce(addTotals, NO_TOTALS);
}
