import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { assessIntent } from '../../activities/trade-intents';
import { findIntent, INTENT_STATUSES, pruneDeliveries, recordSignedDelivery, saveNewIntent, updateIntent, type IntentProblem, type TradeIntentDocument } from '../../lib/store/trade-intents';
import { intentWorkflowId, parseTradeIntent, type TradeIntent } from '../../lib/trading/intent';
import type { executeTradeIntent } from '../../workflows/trade-intent';
import { authenticateDelivery, REPLAY_WINDOW_SECONDS } from '../auth/intent-sources';
import { ApiError, notFound } from '../http/errors';
import type { ApiDeps, IntentWebhookDeps } from '../deps';
import { defineRoute, type RouteModule } from '../route';

/** What a refused delivery keeps of its body, for the reviewer. */
const BODY_KEPT_CHARS = 2_000;

const problemSchema = z.object({ field: z.string(), rule: z.string(), reason: z.string() });

const intentView = z.object({
  intentId: z.string(),
  source: z.string(),
  accountId: z.string(),
  status: z.enum(INTENT_STATUSES),
  receivedAt: z.string(),
  intent: z.record(z.string(), z.unknown()).optional(),
  problems: z.array(problemSchema),
  dealReference: z.string().optional(),
  dealId: z.string().optional().describe("the order's deal id (a working order's, or the market order behind a position)"),
  affectedDealIds: z.array(z.string()).optional().describe('the positions the deal opened'),
  dealStatus: z.string().optional(),
  rejectReason: z.string().optional(),
  events: z.array(z.object({ at: z.string(), status: z.string(), note: z.string() })),
});

function view(document: TradeIntentDocument): z.infer<typeof intentView> {
  return {
    intentId: document._id,
    source: document.source,
    accountId: document.accountId,
    status: document.status,
    receivedAt: new Date(document.receivedAtMs).toISOString(),
    ...(document.intent ? { intent: { ...(document.intent as Record<string, unknown>) } } : {}),
    problems: document.problems,
    ...(document.dealReference ? { dealReference: document.dealReference } : {}),
    ...(document.dealId ? { dealId: document.dealId } : {}),
    ...(document.affectedDealIds ? { affectedDealIds: document.affectedDealIds } : {}),
    ...(document.dealStatus ? { dealStatus: document.dealStatus } : {}),
    ...(document.rejectReason ? { rejectReason: document.rejectReason } : {}),
    events: document.events.map((e) => ({ at: new Date(e.atMs).toISOString(), status: e.status, note: e.note })),
  };
}

const accepted = z.object({ intentId: z.string(), status: z.enum(INTENT_STATUSES), duplicate: z.boolean(), links: z.object({ self: z.string() }) });
const refused = z.object({ error: z.string(), message: z.string(), intentId: z.string().optional(), problems: z.array(problemSchema) });

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function queryValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

async function startIntentWorkflow(deps: ApiDeps, intentId: string): Promise<void> {
  try {
    await deps.temporal.workflow.start<typeof executeTradeIntent>('executeTradeIntent', {
      taskQueue: deps.taskQueue,
      workflowId: intentId,
      args: [{ intentId }],
      // A duplicate delivery attaches to the run in progress; a finished intent is never run again.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

function unprocessable(intentId: string | undefined, problems: IntentProblem[]): ApiError {
  const message = `the intent was refused: ${problems.map((p) => `${p.field} (${p.rule})`).join(', ')}`;
  return new ApiError(422, 'invalid_intent', message, problems.map((p) => ({ field: p.field, reason: `${p.rule}: ${p.reason}` })), undefined, { ...(intentId ? { intentId } : {}), problems });
}

/** Authenticates, refuses replays, parses and checks the intent, stores it, and starts (or finds) its workflow. */
async function receiveIntent(request: FastifyRequest, deps: ApiDeps, intents: IntentWebhookDeps): Promise<{ status: number; body: unknown }> {
  const nowMs = Date.now();
  const rawBody = request.rawBody ?? '';
  const auth = authenticateDelivery(intents.sources, { source: header(request, 'x-recon-source') ?? queryValue(request, 'source'), signature: header(request, 'x-recon-signature'), token: header(request, 'x-recon-token') ?? queryValue(request, 'token'), rawBody, nowMs });
  if (!auth.ok) {
    request.log.warn({ reason: auth.reason }, 'trade intent delivery refused');
    throw new ApiError(401, 'unauthorized', auth.reason);
  }
  const { source } = auth;
  if (auth.signature) {
    if (!(await recordSignedDelivery(deps.db, `${source.name}:${createHash('sha256').update(auth.signature).digest('hex')}`, nowMs))) {
      request.log.warn({ source: source.name }, 'trade intent delivery refused: replayed');
      throw new ApiError(409, 'replayed', `this signed delivery of ${source.name} was received before; sign each delivery anew`);
    }
    // A signature older than both ends of the window is refused for its timestamp: it need not be remembered.
    await pruneDeliveries(deps.db, nowMs - 2 * REPLAY_WINDOW_SECONDS * 1000);
  }

  const parsed = parseTradeIntent(rawBody, { source: source.name, nowMs, symbols: intents.symbols });
  if (!parsed.ok) {
    const intentId = `intent:${source.name}:refused-${createHash('sha256').update(rawBody).digest('hex').slice(0, 32)}`;
    await saveNewIntent(deps.db, { _id: intentId, source: source.name, accountId: source.accountId, receivedAtMs: nowMs, status: 'REJECTED', bodyStart: rawBody.slice(0, BODY_KEPT_CHARS), problems: parsed.problems, events: [{ atMs: nowMs, status: 'REJECTED', note: 'the payload did not parse' }], updatedAtMs: nowMs });
    throw unprocessable(intentId, parsed.problems);
  }
  const intent: TradeIntent = parsed.intent;
  const intentId = intentWorkflowId(intent);
  const fresh = await saveNewIntent(deps.db, { _id: intentId, source: source.name, accountId: source.accountId, receivedAtMs: nowMs, status: 'RECEIVED', intent, problems: [], events: [{ atMs: nowMs, status: 'RECEIVED', note: `from ${source.name}` }], updatedAtMs: nowMs });
  if (!fresh) {
    const stored = (await findIntent(deps.db, intentId)) as TradeIntentDocument;
    if (stored.status === 'REJECTED' && stored.problems.length > 0) throw unprocessable(intentId, stored.problems);
    // A duplicate: the run is the first delivery's (started again here in case its starter died).
    await startIntentWorkflow(deps, intentId);
    return { status: 202, body: { intentId, status: stored.status, duplicate: true, links: { self: `/trade-intents/${intentId}` } } };
  }
  const problems = await assessIntent({ db: deps.db, intentRisk: intents.risk, environment: intents.environment }, intents.capitalFor(source.accountId), source.accountId, intent, nowMs);
  if (problems.length > 0) {
    await updateIntent(deps.db, intentId, { status: 'REJECTED', note: 'refused on receipt', atMs: Date.now(), problems });
    throw unprocessable(intentId, problems);
  }
  await startIntentWorkflow(deps, intentId);
  return { status: 202, body: { intentId, status: 'RECEIVED', duplicate: false, links: { self: `/trade-intents/${intentId}` } } };
}

export const tradeIntentRoutes: RouteModule = {
  tag: 'trade-intents',
  description: 'TradingView-style alerts turned into validated, idempotent orders: the webhook, and each intent with its deal references.',
  routes: [
    defineRoute({
      method: 'POST',
      path: '/webhooks/trade-intents',
      operationId: 'receiveTradeIntent',
      tag: 'trade-intents',
      summary: 'Receive a trade intent (JSON, or TradingView key=value text)',
      description:
        'Authenticated per source (RECON_INTENT_SOURCES), not with a bearer token: name the source in x-recon-source (or ?source=); a signing source sends x-recon-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> within 5 minutes, a token source its token in x-recon-token (or ?token=). The workflow id is the intent id (intent:{source}:{idempotency key}): a duplicate delivery answers 202 with the same id and places nothing.',
      rawBody: true,
      answers: {
        202: { description: 'accepted (or a duplicate of an accepted intent)', content: { 'application/json': accepted } },
        401: { description: 'unknown source, unsigned, wrongly signed, stale, or a wrong token' },
        409: { description: 'a replayed signed delivery' },
        422: { description: 'the intent was refused: every failing field and the rule it broke', content: { 'application/json': refused } },
        503: { description: 'no intent sources are configured' },
      },
      handle: async ({ request, reply, deps }) => {
        if (!deps.intents) throw new ApiError(503, 'not_configured', 'trade intents are not configured: set RECON_INTENT_SOURCES (docs/trade-intents.md)');
        const { status, body } = await receiveIntent(request, deps, deps.intents);
        void reply.code(status);
        return body;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/trade-intents/{intentId}',
      operationId: 'getTradeIntent',
      tag: 'trade-intents',
      summary: 'One intent: its status, every step, and its deal reference and deal ids once known',
      scope: 'trading:read',
      params: z.strictObject({ intentId: z.string().min(1).max(300) }),
      answers: { 200: { description: 'the intent', content: { 'application/json': intentView } }, 404: { description: 'no such intent' } },
      handle: async ({ params, deps }) => {
        const document = await findIntent(deps.db, params.intentId);
        if (!document) throw notFound(`there is no trade intent ${params.intentId}`);
        return view(document);
      },
    }),
  ],
};
