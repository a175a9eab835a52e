/**
 * A reconciliation run watched through its `progress` query, for the reliability tests that
 * disturb it at chosen stages (a worker killed, the database restarted): when each stage was first
 * seen, waits for a stage or a moment, and the wait for the end with a deadline.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import type { ReconcileProgress, ReconcileStage, ReconcileSummary } from '../../workflows/reconcile-account-period';

export const STAGE_ORDER: readonly ReconcileStage[] = ['planning', 'ingesting', 'reconciling', 'rendering', 'done'];
export const stageIndex = (stage: ReconcileStage) => STAGE_ORDER.indexOf(stage);

const POLL_MS = 200;
/** A query the worker cannot answer now (killed, or the database it waits on is down) is given up after this. */
export const QUERY_TIMEOUT_MS = 15_000;

export async function progressOf(handle: WorkflowHandle): Promise<ReconcileProgress | undefined> {
  const answer = handle.query<ReconcileProgress>('progress').catch(() => undefined);
  return Promise.race([answer, sleep(QUERY_TIMEOUT_MS).then(() => undefined)]);
}

export class ObservedRun {
  readonly startedMs = Date.now();
  /** When each stage was first seen, from the run's start. */
  readonly stageStartMs: Partial<Record<ReconcileStage, number>> = {};
  latest: ReconcileProgress | undefined;
  finished = false;
  readonly result: Promise<ReconcileSummary>;

  /** `check` runs at every observation: a throw ends the waits (e.g. a worker that died by itself). */
  constructor(
    readonly workflowId: string,
    private readonly handle: WorkflowHandle,
    private readonly check: () => void = () => undefined,
  ) {
    this.result = handle.result().finally(() => {
      this.finished = true;
    });
  }

  async observe(): Promise<ReconcileProgress | undefined> {
    const progress = await progressOf(this.handle);
    if (progress) {
      this.latest = progress;
      this.stageStartMs[progress.stage] ??= Date.now() - this.startedMs;
    }
    this.check();
    return progress;
  }

  /** Until the run reaches `stage` or a later one, or ends. */
  async reach(stage: ReconcileStage): Promise<void> {
    while (!this.finished && (!this.latest || stageIndex(this.latest.stage) < stageIndex(stage))) {
      await this.observe();
      await sleep(POLL_MS);
    }
  }

  /** Observing for `ms`, or until the run ends. */
  async pass(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.finished && Date.now() < until) {
      await this.observe();
      await sleep(Math.min(POLL_MS, Math.max(0, until - Date.now())));
    }
  }

  /** Observing until `done()` says so or the run ends; fails after `timeoutMs` with `what`. */
  async until(done: (progress: ReconcileProgress | undefined) => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.finished) {
      if (await done(await this.observe())) return;
      assert.ok(Date.now() < deadline, what);
      await sleep(POLL_MS);
    }
  }

  /** Observing to the end (the stage times of the rest of the run); fails once the run has taken `runTimeoutMs`. */
  async toTheEnd(runTimeoutMs: number): Promise<void> {
    while (!this.finished) {
      assert.ok(Date.now() - this.startedMs < runTimeoutMs, `run ${this.workflowId} did not complete within ${Math.round(runTimeoutMs / 1000)} s (stage ${this.latest?.stage}); its history in the Temporal UI says what it waits for`);
      await this.observe();
      await sleep(POLL_MS);
    }
  }

  /** The run and its ingest slices' workflow ids. */
  async workflowIds(): Promise<string[]> {
    return [this.workflowId, ...((await progressOf(this.handle))?.ingestChildren ?? this.latest?.ingestChildren ?? [])];
  }
}
