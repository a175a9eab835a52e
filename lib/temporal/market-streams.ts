/**
 * The streaming supervisors seen from outside (CLI, API, tests): start one, add or remove epics,
 * read its state, stop it. One supervisor per account and stream name, workflow id
 * `market-stream:{account}:{stream}`, on the market-data task queue.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { StreamProgress } from '../../activities/market-stream';
import { addEpicsSignal, removeEpicsSignal, streamStateQuery, type MarketStreamInput, type MarketStreamState, type StreamSettings } from '../../workflows/market-stream';
import { parseEpics } from '../market/epic-batches';

export const STREAM_WORKFLOW_PREFIX = 'market-stream:';
export const DEFAULT_STREAM_ID = 'default';
/** Epics one supervisor streams: 25 connections of 40. */
export const STREAM_EPICS_MAX = 1_000;
const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class MarketStreamError extends Error {
  override name = 'MarketStreamError';
}

export function streamWorkflowId(accountId: string, streamId = DEFAULT_STREAM_ID): string {
  if (!STREAM_ID.test(streamId)) throw new MarketStreamError(`a stream name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit; got '${streamId.slice(0, 64)}'`);
  return `${STREAM_WORKFLOW_PREFIX}${accountId}:${streamId}`;
}

export interface StartStreamOptions {
  accountId: string;
  streamId?: string;
  epics: readonly string[];
  taskQueue: string;
  settings?: Partial<StreamSettings>;
}

export interface StartedStream {
  workflowId: string;
  runId: string;
  /** False when the supervisor was already running: the epics were added to it. */
  started: boolean;
}

/**
 * Starts the supervisor, or adds the epics to the one already running (signal-with-start, so two
 * starts at once still give one supervisor). Settings apply only when it starts.
 */
export async function startMarketStream(client: Client, options: StartStreamOptions): Promise<StartedStream> {
  const epics = checkedEpics(options.epics);
  const streamId = options.streamId ?? DEFAULT_STREAM_ID;
  const workflowId = streamWorkflowId(options.accountId, streamId);
  const runningBefore = await isRunning(client, workflowId);
  const input: MarketStreamInput = { accountId: options.accountId, streamId, epics, ...(options.settings ? { settings: options.settings } : {}) };
  const handle = await client.workflow.signalWithStart('superviseMarketStream', {
    workflowId,
    taskQueue: options.taskQueue,
    args: [input],
    signal: addEpicsSignal,
    signalArgs: [epics],
    memo: { accountId: options.accountId, streamId },
  });
  return { workflowId, runId: handle.signaledRunId, started: !runningBefore };
}

export async function addStreamEpics(client: Client, accountId: string, streamId: string | undefined, epics: readonly string[]): Promise<void> {
  await runningHandle(client, accountId, streamId).signal(addEpicsSignal, checkedEpics(epics));
}

export async function removeStreamEpics(client: Client, accountId: string, streamId: string | undefined, epics: readonly string[]): Promise<void> {
  await runningHandle(client, accountId, streamId).signal(removeEpicsSignal, checkedEpics(epics));
}

export interface BatchActivity {
  activityId: string;
  state: string;
  attempt: number;
  lastHeartbeatAt?: string;
  progress?: StreamProgress;
  lastFailure?: string;
}

export interface StreamStatus {
  workflowId: string;
  running: boolean;
  status: string;
  state?: MarketStreamState;
  activities: BatchActivity[];
}

/** The supervisor's own state (its query) and what each batch activity last reported (its heartbeat). */
export async function marketStreamStatus(client: Client, accountId: string, streamId = DEFAULT_STREAM_ID): Promise<StreamStatus> {
  const workflowId = streamWorkflowId(accountId, streamId);
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { workflowId, running: false, status: 'NOT_FOUND', activities: [] };
    throw error;
  }
  const running = description.status.name === 'RUNNING';
  const state = running ? await handle.query(streamStateQuery) : undefined;
  const activities: BatchActivity[] = (description.raw.pendingActivities ?? []).map((pending) => {
    const details = pending.heartbeatDetails?.payloads?.[0];
    const heartbeatMs = pending.lastHeartbeatTime?.seconds ? Number(pending.lastHeartbeatTime.seconds) * 1000 + Math.floor((pending.lastHeartbeatTime.nanos ?? 0) / 1e6) : undefined;
    return {
      activityId: pending.activityId ?? '',
      state: String(pending.state ?? ''),
      attempt: pending.attempt ?? 0,
      ...(heartbeatMs !== undefined ? { lastHeartbeatAt: new Date(heartbeatMs).toISOString() } : {}),
      ...(details ? { progress: defaultPayloadConverter.fromPayload<StreamProgress>(details) } : {}),
      ...(pending.lastFailure?.message ? { lastFailure: pending.lastFailure.message } : {}),
    };
  });
  return { workflowId, running, status: description.status.name, ...(state ? { state } : {}), activities };
}

/** Cancels the supervisor and waits (up to `waitMs`) until its batches have closed. Returns whether it was running. */
export async function stopMarketStream(client: Client, accountId: string, streamId = DEFAULT_STREAM_ID, waitMs = 60_000): Promise<boolean> {
  const workflowId = streamWorkflowId(accountId, streamId);
  if (!(await isRunning(client, workflowId))) return false;
  const handle = client.workflow.getHandle(workflowId);
  await handle.cancel();
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!(await isRunning(client, workflowId))) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new MarketStreamError(`${workflowId} was asked to stop but is still closing its batches after ${Math.round(waitMs / 1000)} s; see the Temporal UI`);
}

async function isRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

function runningHandle(client: Client, accountId: string, streamId: string | undefined) {
  return client.workflow.getHandle(streamWorkflowId(accountId, streamId ?? DEFAULT_STREAM_ID));
}

function checkedEpics(epics: readonly string[]): string[] {
  let parsed: string[];
  try {
    parsed = parseEpics(epics);
  } catch (error) {
    throw new MarketStreamError((error as Error).message);
  }
  if (parsed.length === 0) throw new MarketStreamError('name at least one epic');
  if (parsed.length > STREAM_EPICS_MAX) throw new MarketStreamError(`one stream takes at most ${STREAM_EPICS_MAX} epics, got ${parsed.length}; split them over several streams (--stream)`);
  return parsed;
}
