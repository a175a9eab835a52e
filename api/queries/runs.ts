/**
 * Runs as Temporal sees them (visibility: the typed search attributes the workflow sets) joined
 * with what the run recorded in MongoDB (`runs`: status, time zone, summary, statements).
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { Db } from 'mongodb';
import { RUNS, type RunDocument } from '../../lib/store/reconciliation';
import type { ReconcileProgress } from '../../workflows/reconcile-account-period';
import { ReconAccountId, ReconExceptionCount, ReconPeriod, ReconStatus } from '../../workflows/search-attributes';
import type { ReconStatusValue } from './run-status';

const RECONCILE_WORKFLOW_TYPE = 'reconcileAccountPeriod';
const PROGRESS_QUERY_TIMEOUT_MS = 3_000;

export interface RunListFilter {
  accountId?: string;
  period?: string;
  status?: ReconStatusValue;
}

export interface RunView {
  workflowId: string;
  runId: string;
  accountId: string | null;
  period: string | null;
  /** ReconStatus: RUNNING, COMPLETED, COMPLETED_WITH_EXCEPTIONS or FAILED. */
  status: string | null;
  exceptionCount: number | null;
  /** The Temporal execution status: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  execution: string;
  startedAt: string;
  closedAt: string | null;
  /** What the run wrote to MongoDB when it finished recording; null until then. */
  recorded: { status: string; timeZone: string; finishedAt: string; dryRun: boolean; statements: boolean } | null;
}

/** A visibility query; every value was checked by the route's schema, and is quoted here too. */
export function visibilityQuery(filter: RunListFilter): string {
  const clauses = [`WorkflowType = ${quoted(RECONCILE_WORKFLOW_TYPE)}`];
  if (filter.accountId) clauses.push(`${ReconAccountId.name} = ${quoted(filter.accountId)}`);
  if (filter.period) clauses.push(`${ReconPeriod.name} = ${quoted(filter.period)}`);
  if (filter.status) clauses.push(`${ReconStatus.name} = ${quoted(filter.status)}`);
  return clauses.join(' AND ');
}

function quoted(value: string): string {
  if (/['"\\]/.test(value)) throw new Error(`refusing to quote ${JSON.stringify(value)} into a visibility query`);
  return `'${value}'`;
}

/** The newest runs first (visibility's order), at most `limit`. */
export async function listRuns(client: Client, db: Db, filter: RunListFilter, limit: number): Promise<RunView[]> {
  const executions: WorkflowExecutionInfo[] = [];
  for await (const execution of client.workflow.list({ query: visibilityQuery(filter), pageSize: limit })) {
    executions.push(execution);
    if (executions.length >= limit) break;
  }
  const recorded = await recordedRuns(db, executions.map((e) => e.workflowId));
  return executions.map((e) => runView(e, recorded.get(e.workflowId)));
}

export interface RunDetail extends RunView {
  /** While running: the workflow's own progress query (stage, windows, records). */
  progress?: ReconcileProgress;
  /** Once recorded: the run summary (counts, digests, roll-forward, statements with their hashes). */
  summary?: Record<string, unknown>;
}

/** One reconciliation run, or undefined when Temporal has no such run (or it is another kind of workflow). */
export async function describeRun(client: Client, db: Db, workflowId: string): Promise<RunDetail | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
  if (description.type !== RECONCILE_WORKFLOW_TYPE) return undefined;
  const recorded = (await recordedRuns(db, [workflowId])).get(workflowId);
  const view: RunDetail = runView(description, recorded);
  // The workflow's result is the summary `recon status` prints; the MongoDB record is the fallback
  // (a failed run that got as far as recording, or a history past its retention).
  const result = description.status.name === 'COMPLETED' ? await handle.result().catch(() => undefined) : undefined;
  const summary = (result as Record<string, unknown> | undefined) ?? recorded?.summary;
  if (summary) view.summary = withoutServerPaths(summary);
  if (description.status.name === 'RUNNING') {
    // Progress is a courtesy: a run whose worker is down cannot answer, and that is not an error here.
    view.progress = await client
      .withDeadline(Date.now() + PROGRESS_QUERY_TIMEOUT_MS, () => handle.query<ReconcileProgress>('progress'))
      .catch(() => undefined);
  }
  return view;
}

/** Where the worker wrote the statements is the server's business; clients download them by name. */
function withoutServerPaths(summary: Record<string, unknown>): Record<string, unknown> {
  const statements = summary.statements;
  if (typeof statements !== 'object' || statements === null) return summary;
  const { dir: _dir, ...rest } = statements as Record<string, unknown>;
  return { ...summary, statements: rest };
}

/** The MongoDB record of a run, when it got that far. */
export async function recordedRun(db: Db, workflowId: string): Promise<RunDocument | undefined> {
  return (await db.collection<RunDocument>(RUNS).findOne({ _id: workflowId })) ?? undefined;
}

async function recordedRuns(db: Db, ids: string[]): Promise<Map<string, RunDocument>> {
  if (ids.length === 0) return new Map();
  const documents = await db.collection<RunDocument>(RUNS).find({ _id: { $in: ids } }).toArray();
  return new Map(documents.map((d) => [d._id, d]));
}

type ExecutionFacts = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'typedSearchAttributes' | 'status' | 'startTime' | 'closeTime'>;

function runView(execution: ExecutionFacts, recorded: RunDocument | undefined): RunView {
  const attributes = execution.typedSearchAttributes;
  const exceptionCount = attributes.get(ReconExceptionCount);
  return {
    workflowId: execution.workflowId,
    runId: execution.runId,
    accountId: attributes.get(ReconAccountId) ?? recorded?.accountId ?? null,
    period: attributes.get(ReconPeriod) ?? recorded?.period ?? null,
    status: attributes.get(ReconStatus) ?? recorded?.status ?? null,
    exceptionCount: exceptionCount === undefined ? null : Number(exceptionCount),
    execution: execution.status.name,
    startedAt: execution.startTime.toISOString(),
    closedAt: execution.closeTime?.toISOString() ?? null,
    recorded: recorded
      ? {
          status: recorded.status,
          timeZone: recorded.timeZone,
          finishedAt: new Date(recorded.finishedAt).toISOString(),
          dryRun: recorded.summary.dryRun === true,
          statements: typeof recorded.summary.statements === 'object' && recorded.summary.statements !== null,
        }
      : null,
  };
}
