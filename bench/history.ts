import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Timestamp = NonNullable<HistoryEvent['eventTime']>;

export interface HistoryFacts {
  eventsMax: number;
  payloadBytesMax: number;
  /** Per activity type: seconds from its first scheduling to its last completion (a stage's wall time). */
  stages: Record<string, number>;
  /** The same spans as epoch ms, to line up with samples taken elsewhere (the worker's RSS). */
  spans: Record<string, { fromMs: number; toMs: number }>;
  /** Activities that needed more than one attempt: which, how many attempts, and why the last one before failed. */
  retried: string[];
}

function toMs(time: Timestamp | null | undefined): number {
  if (!time) return 0;
  const seconds = typeof time.seconds === 'object' && time.seconds !== null ? time.seconds.toNumber() : Number(time.seconds ?? 0);
  return seconds * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

/**
 * Event count, largest event, each activity type's wall time and the retried activities over a
 * workflow's history and its children's: where a run through Temporal spent its time, read from
 * what Temporal recorded rather than from timers of our own.
 */
export async function historyFacts(client: Client, workflowId: string): Promise<HistoryFacts> {
  let eventsMax = 0;
  let payloadBytesMax = 0;
  const spans = new Map<string, { fromMs: number; toMs: number }>();
  const retried: string[] = [];
  const workflowIds = [workflowId];
  for (const id of workflowIds) {
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    eventsMax = Math.max(eventsMax, events.length);
    const typeOfScheduled = new Map<string, string>();
    for (const event of events) {
      payloadBytesMax = Math.max(payloadBytesMax, JSON.stringify(event).length);
      const scheduled = event.activityTaskScheduledEventAttributes;
      const started = event.activityTaskStartedEventAttributes;
      const completed = event.activityTaskCompletedEventAttributes;
      const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (child) workflowIds.push(child);
      if (scheduled) {
        const type = scheduled.activityType?.name ?? 'unknown';
        typeOfScheduled.set(String(event.eventId), type);
        const span = spans.get(type) ?? { fromMs: Number.POSITIVE_INFINITY, toMs: 0 };
        span.fromMs = Math.min(span.fromMs, toMs(event.eventTime));
        spans.set(type, span);
      } else if (started && (started.attempt ?? 1) > 1) {
        // A retried activity's history keeps only its last attempt, with the failure before it.
        retried.push(`${typeOfScheduled.get(String(started.scheduledEventId))} attempt ${started.attempt} (${started.lastFailure?.message ?? 'no failure recorded'})`);
      } else if (completed) {
        const span = spans.get(typeOfScheduled.get(String(completed.scheduledEventId)) ?? 'unknown');
        if (span) span.toMs = Math.max(span.toMs, toMs(event.eventTime));
      }
    }
  }
  const stages = Object.fromEntries([...spans].map(([type, span]) => [type, Math.max(0, span.toMs - span.fromMs) / 1000]));
  return { eventsMax, payloadBytesMax, stages, spans: Object.fromEntries(spans), retried };
}
