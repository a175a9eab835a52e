import {
  ActivityCancellationType,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import type { MarketChoresResult, MarketStreamActivities, StreamBatchResult, StreamTuning } from '../activities/market-stream';
import { planEpicBatches, type EpicBatch } from '../lib/market/epic-batches';
import type { Resolution } from '../lib/market/resolutions';

/**
 * The streaming supervisor: one long-running workflow per account and stream (`market-stream:
 * {account}:{stream}`) keeping a set of epics streaming into the store.
 *
 * - Epics are cut into batches of at most 40 (one WebSocket connection each, lib/market/
 *   epic-batches.ts); each batch is one long activity (`streamEpicBatch`) that holds its
 *   connection, heartbeats and writes quotes and bars. `addEpics` / `removeEpics` restart only the
 *   batches whose epics changed: an epic stays in its batch while it is wanted.
 * - A batch that fails or falls silent is started again after a backoff (1 s doubling to 5 min,
 *   reset after a run that lasted); one that ends its planned run (`batchRunMs`) starts again at once.
 * - The session is kept alive from here: `GET /ping` every `sessionPingMs` (well inside the
 *   broker's 10-minute idle expiry), a fresh login every `sessionRenewMs` (ahead of the suspected
 *   hard lifetime), and quote days past the retention dropped on the way.
 * - It continues as new before its history grows large, handing over its epics, batches and
 *   totals; its batches are closed and started again under the new run.
 * - Cancelling it (`recon stream stop`) cancels every batch and waits until each has closed its
 *   connection and written what it held; the run then ends as cancelled.
 */
export interface StreamSettings {
  batchRunMs: number;
  sessionPingMs: number;
  sessionRenewMs: number;
  /** Continue as new once the history has this many events. */
  historyEventsMax: number;
  resolutions?: Resolution[];
  ohlcResolutions?: Resolution[];
  tuning?: StreamTuning;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  batchRunMs: 30 * 60_000,
  sessionPingMs: 4 * 60_000,
  sessionRenewMs: 45 * 60_000,
  historyEventsMax: 5_000,
};

export interface StreamTotals {
  batchRuns: number;
  batchFailures: number;
  sessionPings: number;
  sessionRenewals: number;
  quotesStored: number;
  continuedAsNew: number;
}

const NO_TOTALS: StreamTotals = { batchRuns: 0, batchFailures: 0, sessionPings: 0, sessionRenewals: 0, quotesStored: 0, continuedAsNew: 0 };

export interface MarketStreamInput {
  accountId: string;
  streamId: string;
  epics: string[];
  settings?: Partial<StreamSettings>;
  /** Handed over by continue-as-new: the batches in force, so no epic moves. */
  batches?: EpicBatch[];
  totals?: StreamTotals;
  startedAtMs?: number;
  lastRenewalAtMs?: number;
}

export type BatchStatus = 'streaming' | 'restarting' | 'stopping';

export interface BatchState {
  batchId: number;
  epics: string[];
  status: BatchStatus;
  runs: number;
  /** Failures in a row; the backoff grows with it. */
  failuresInRow: number;
  lastError?: string;
  restartAtMs?: number;
  runningSinceMs?: number;
}

export interface MarketStreamState {
  accountId: string;
  streamId: string;
  epics: string[];
  batches: BatchState[];
  totals: StreamTotals;
  startedAtMs: number;
  lastPingAtMs?: number;
  lastRenewalAtMs?: number;
  historyLength: number;
  stopping: boolean;
}

export const addEpicsSignal = defineSignal<[string[]]>('addEpics');
export const removeEpicsSignal = defineSignal<[string[]]>('removeEpics');
export const streamStateQuery = defineQuery<MarketStreamState>('streamState');

const { marketStreamChores } = proxyActivities<MarketStreamActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** A run this long proves the batch healthy again: its next failure starts the backoff afresh. */
const HEALTHY_RUN_MS = 60_000;

interface RunningBatch {
  state: BatchState;
  scope?: CancellationScope;
  done?: Promise<void>;
  /** Set when the activity ended: undefined = ended its planned run. */
  ended?: { error?: string };
}

export async function superviseMarketStream(input: MarketStreamInput): Promise<MarketStreamState> {
  const settings: StreamSettings = { ...DEFAULT_STREAM_SETTINGS, ...input.settings };
  const totals: StreamTotals = { ...NO_TOTALS, ...input.totals };
  const startedAtMs = input.startedAtMs ?? Date.now();
  const wanted = new Set(input.epics);
  let plan = planEpicBatches(wanted, input.batches ?? []).batches;
  let planChanged = true;
  let lastPingAtMs: number | undefined;
  let lastRenewalAtMs = input.lastRenewalAtMs ?? Date.now();
  let stopping = false;
  const running = new Map<number, RunningBatch>();
  let wake = false;

  const { streamEpicBatch } = proxyActivities<MarketStreamActivities>({
    startToCloseTimeout: settings.batchRunMs + 5 * 60_000,
    heartbeatTimeout: '30 seconds',
    // The supervisor restarts batches itself, with its own backoff and in sight of its query.
    retry: { maximumAttempts: 1 },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

  const state = (): MarketStreamState => ({
    accountId: input.accountId,
    streamId: input.streamId,
    epics: [...wanted].sort(),
    batches: [...running.values()].map((batch) => ({ ...batch.state, epics: [...batch.state.epics] })).sort((a, b) => a.batchId - b.batchId),
    totals: { ...totals },
    startedAtMs,
    ...(lastPingAtMs !== undefined ? { lastPingAtMs } : {}),
    lastRenewalAtMs,
    historyLength: workflowInfo().historyLength,
    stopping,
  });

  const replan = (change: () => void) => {
    change();
    plan = planEpicBatches(wanted, plan).batches;
    planChanged = true;
    wake = true;
  };
  setHandler(addEpicsSignal, (epics) => replan(() => epics.forEach((epic) => wanted.add(epic))));
  setHandler(removeEpicsSignal, (epics) => replan(() => epics.forEach((epic) => wanted.delete(epic))));
  setHandler(streamStateQuery, state);

  const start = (batchId: number, epics: readonly string[], previous?: BatchState) => {
    const batch: RunningBatch = {
      state: { batchId, epics: [...epics], status: 'streaming', runs: (previous?.runs ?? 0) + 1, failuresInRow: previous?.failuresInRow ?? 0, runningSinceMs: Date.now(), ...(previous?.lastError ? { lastError: previous.lastError } : {}) },
    };
    totals.batchRuns++;
    batch.scope = new CancellationScope();
    batch.done = batch.scope
      .run(() => streamEpicBatch({ accountId: input.accountId, streamId: input.streamId, batchId, epics: [...epics], runForMs: settings.batchRunMs, ...(settings.resolutions ? { resolutions: settings.resolutions } : {}), ...(settings.ohlcResolutions ? { ohlcResolutions: settings.ohlcResolutions } : {}), ...(settings.tuning ? { tuning: settings.tuning } : {}) }))
      .then(
        (result: StreamBatchResult) => {
          totals.quotesStored += result.quotesStored;
          batch.ended = {};
        },
        (error: unknown) => {
          batch.ended = { error: isCancellation(error) ? undefined : describe(error) };
        },
      )
      .finally(() => {
        wake = true;
      });
    running.set(batchId, batch);
  };

  const stopBatch = async (batch: RunningBatch) => {
    batch.state.status = 'stopping';
    batch.scope?.cancel();
    await batch.done;
  };

  const stopAll = async () => {
    stopping = true;
    await CancellationScope.nonCancellable(() => Promise.all([...running.values()].map(stopBatch)));
  };

  /** Starts, stops and restarts batches so the running ones match the plan. */
  const reconcile = async () => {
    const wantedBatches = new Map(plan.map((batch) => [batch.batchId, batch]));
    for (const [batchId, batch] of running) {
      const planned = wantedBatches.get(batchId);
      if (planned && sameEpics(planned.epics, batch.state.epics)) continue;
      if (batch.ended === undefined && batch.state.status === 'streaming') await stopBatch(batch);
      running.delete(batchId);
      if (planned) start(batchId, planned.epics, { ...batch.state, failuresInRow: 0 });
    }
    for (const planned of plan) if (!running.has(planned.batchId)) start(planned.batchId, planned.epics);
  };

  /** Batches whose activity ended: start again at once, or after a backoff when it failed. */
  const restartEnded = () => {
    for (const [batchId, batch] of running) {
      if (batch.ended === undefined) continue;
      const { error } = batch.ended;
      if (batch.state.status === 'streaming') {
        const ranMs = Date.now() - (batch.state.runningSinceMs ?? Date.now());
        const failuresInRow = error === undefined ? 0 : ranMs >= HEALTHY_RUN_MS ? 1 : batch.state.failuresInRow + 1;
        if (error !== undefined) totals.batchFailures++;
        const delayMs = error === undefined ? 0 : Math.min(BACKOFF_FIRST_MS * 2 ** (failuresInRow - 1), BACKOFF_MAX_MS);
        batch.state = { ...batch.state, status: 'restarting', failuresInRow, restartAtMs: Date.now() + delayMs, ...(error !== undefined ? { lastError: error } : {}) };
        delete batch.state.runningSinceMs;
      }
      if (batch.state.status === 'restarting' && (batch.state.restartAtMs ?? 0) <= Date.now()) {
        running.delete(batchId);
        start(batchId, batch.state.epics, batch.state);
      }
    }
  };

  const nextWakeMs = () => {
    const times = [(lastPingAtMs ?? startedAtMs) + settings.sessionPingMs, lastRenewalAtMs + settings.sessionRenewMs];
    for (const batch of running.values()) if (batch.state.status === 'restarting' && batch.state.restartAtMs !== undefined) times.push(batch.state.restartAtMs);
    return Math.max(Math.min(...times) - Date.now(), 1);
  };

  const historyFull = () => workflowInfo().historyLength >= settings.historyEventsMax || workflowInfo().continueAsNewSuggested;

  try {
    for (;;) {
      if (planChanged) {
        planChanged = false;
        await reconcile();
      }
      restartEnded();
      if (historyFull()) break;
      wake = false;
      await condition(() => wake || planChanged, nextWakeMs());
      const now = Date.now();
      const renew = now >= lastRenewalAtMs + settings.sessionRenewMs;
      if (renew || now >= (lastPingAtMs ?? startedAtMs) + settings.sessionPingMs) {
        const chores: MarketChoresResult = await marketStreamChores({ accountId: input.accountId, renewSession: renew });
        lastPingAtMs = Date.now();
        if (chores.renewed) {
          lastRenewalAtMs = lastPingAtMs;
          totals.sessionRenewals++;
        } else {
          totals.sessionPings++;
        }
      }
    }
  } catch (error) {
    // Stopped (cancelled) or failed: close every batch before the run ends, either way.
    await stopAll();
    throw error;
  }

  await stopAll();
  await condition(allHandlersFinished);
  totals.continuedAsNew++;
  return continueAsNew<typeof superviseMarketStream>({
    accountId: input.accountId,
    streamId: input.streamId,
    epics: [...wanted].sort(),
    ...(input.settings ? { settings: input.settings } : {}),
    batches: plan,
    totals,
    startedAtMs,
    lastRenewalAtMs,
  });
}

function sameEpics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((epic, i) => epic === b[i]);
}

function describe(error: unknown): string {
  const failure = error as { message?: string; cause?: { message?: string } };
  return (failure.cause?.message ?? failure.message ?? String(error)).slice(0, 300);
}
