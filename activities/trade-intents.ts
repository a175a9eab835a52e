import { ApplicationFailure } from '@temporalio/common';
import type { Db } from 'mongodb';
import type { CapitalClient } from '../lib/capital';
import { CapitalAmbiguousError, CapitalRequestError } from '../lib/capital/errors';
import type { ConfirmResponse } from '../lib/capital/schemas/confirms';
import type { CapitalEnvironment } from '../lib/capital/environments';
import { instrumentId } from '../lib/ledger/instrument-id';
import { canonical, toDecimal } from '../lib/money';
import { exposureSnapshotAt } from '../lib/store/exposure';
import { lifecycleId, saveLifecycle, type OrderLifecycleDocument } from '../lib/store/orders';
import { claimedDealIds, findIntent, updateIntent, type IntentProblem, type TradeIntentDocument } from '../lib/store/trade-intents';
import type { ExposureSnapshot } from '../lib/trading/exposure';
import { checkAgainstDealingRules, checkRisk, findPlacedDeal, orderRequestOf, type IntentRiskPolicy, type TradeIntent } from '../lib/trading/intent';
import { applyTransition, startIntended, type OrderIntentTerms, type OrderLifecycle } from '../lib/trading/orders';
import type { StoredOrder } from './trading';
import type { ActivityDeps } from './deps';
import { ratesIntoAccountCurrency } from './fx-rates';
import { heartbeat } from './heartbeat';

export interface TradeIntentDeps extends ActivityDeps {
  capitalFor(accountId: string): CapitalClient;
  intentRisk: IntentRiskPolicy;
  environment: CapitalEnvironment;
}

export type PlaceOutcome = { outcome: 'placed'; dealReference: string } | { outcome: 'ambiguous'; reason: string } | { outcome: 'refused'; reason: string };
export type FoundDeal = { kind: 'found'; dealId: string; source: 'position' | 'working-order' } | { kind: 'none' } | { kind: 'several'; dealIds: string[] };

export interface IntentResult {
  intentId: string;
  status: 'CONFIRMED' | 'REJECTED' | 'NEEDS_REVIEW' | 'FAILED';
  dealReference?: string;
  dealId?: string;
  affectedDealIds?: string[];
  rejectReason?: string;
  problems?: IntentProblem[];
}

/** A confirm may answer 404 for a moment after the POST (REFERENCE §6.3): "not known yet", up to this long. */
export const CONFIRM_UNKNOWN_MAX_MS = 30_000;
const CONFIRM_POLL_MS = 250;
/** After a lost response, look twice this far apart before concluding the POST did nothing. */
const SETTLE_BEFORE_SEARCH_MS = 2_000;

/**
 * Everything that makes an intent unfit to send, from the broker's side (the market's dealing rules,
 * open or not) and ours (the risk policy). The webhook calls it to answer 422 at once; the workflow
 * calls it again just before placing (rules and markets change).
 */
export async function assessIntent(deps: { db: Db; intentRisk: IntentRiskPolicy; environment: CapitalEnvironment }, client: CapitalClient, accountId: string, intent: TradeIntent, nowMs: number): Promise<IntentProblem[]> {
  let market;
  try {
    market = await client.market(intent.epic);
  } catch (error) {
    if (error instanceof CapitalRequestError && error.status === 404) return [{ field: 'instrument', rule: 'instrument-known', reason: `the broker has no market ${intent.epic}` }];
    throw error;
  }
  const problems = [...checkAgainstDealingRules(intent, market, { nowMs })];
  const { accounts } = await client.accounts();
  const account = accounts.find((a) => a.accountId === accountId);
  const latest = await exposureSnapshotAt<ExposureSnapshot>(deps.db, accountId);
  const price = intent.level ?? String(intent.direction === 'BUY' ? market.snapshot.offer : market.snapshot.bid);
  let notional = toDecimal(intent.size).times(toDecimal(market.instrument.lotSize)).times(toDecimal(price));
  if (account) {
    const rate = (await ratesIntoAccountCurrency(client, account.currency, [market.instrument.currency])).rates[market.instrument.currency];
    if (rate) notional = notional.times(toDecimal(rate));
  }
  problems.push(
    ...checkRisk(intent, deps.intentRisk, {
      instrumentType: market.instrument.type,
      environment: deps.environment,
      openGrossExposure: latest?.snapshot.totals.grossExposure ?? '0',
      intentNotional: canonical(notional),
    }),
  );
  return problems;
}

function intentTerms(intent: TradeIntent): OrderIntentTerms {
  const stop = intent.stop ?? {};
  const profit = intent.profit ?? {};
  return {
    epic: intent.epic,
    direction: intent.direction,
    size: intent.size,
    orderType: intent.orderType,
    ...(intent.level !== undefined ? { level: intent.level } : {}),
    ...('distance' in stop && stop.distance !== undefined ? { stopDistance: stop.distance } : {}),
    ...('level' in stop && stop.level !== undefined ? { stopLevel: stop.level } : {}),
    ...('distance' in profit && profit.distance !== undefined ? { profitDistance: profit.distance } : {}),
    ...('level' in profit && profit.level !== undefined ? { profitLevel: profit.level } : {}),
    guaranteedStop: intent.guaranteedStop,
    trailingStop: intent.trailingStop,
    ...(intent.goodTillMs !== undefined ? { goodTillMs: intent.goodTillMs } : {}),
  };
}

export function createTradeIntentActivities(deps: TradeIntentDeps) {
  async function load(intentId: string): Promise<TradeIntentDocument<TradeIntent> & { intent: TradeIntent }> {
    const document = await findIntent<TradeIntent>(deps.db, intentId);
    if (!document?.intent) throw ApplicationFailure.nonRetryable(`trade intent ${intentId} is not stored (or did not parse)`, 'UnknownIntent');
    return document as TradeIntentDocument<TradeIntent> & { intent: TradeIntent };
  }

  /** The order's lifecycle, fed from the intent: INTENDED, then what the confirm says. */
  async function recordLifecycle(document: TradeIntentDocument<TradeIntent> & { intent: TradeIntent }, dealId: string, outcome: 'FILLED' | 'WORKING' | 'REJECTED', reason: string, atMs: number): Promise<void> {
    let lifecycle: OrderLifecycle = startIntended({ dealId, intentId: document._id, atMs, reason: `trade intent ${document._id} (${document.intent.strategy})` });
    if (outcome !== 'WORKING') {
      const stepped = applyTransition(lifecycle, { to: outcome, atMs, reason });
      if (stepped.ok) lifecycle = stepped.order;
    }
    const stored: StoredOrder = { lifecycle, epic: document.intent.epic, lastSnapshotId: `intent:${document._id}`, updatedAtMs: atMs, intent: intentTerms(document.intent) };
    const lifecycleDocument: OrderLifecycleDocument<StoredOrder> = { _id: lifecycleId(document.accountId, dealId), accountId: document.accountId, dealId, state: lifecycle.state, epic: document.intent.epic, instrumentId: instrumentId(document.intent.epic), updatedAtMs: atMs, lastSnapshotId: stored.lastSnapshotId, lifecycle: stored };
    await saveLifecycle(deps.db, lifecycleDocument);
  }

  return {
    /** Checks the intent against the market and the risk policy right before it is placed. */
    async validateTradeIntent(input: { intentId: string }): Promise<{ ok: boolean; problems: IntentProblem[] }> {
      const document = await load(input.intentId);
      const client = deps.capitalFor(document.accountId);
      const nowMs = (await client.serverTime()).serverTime;
      const problems = await assessIntent(deps, client, document.accountId, document.intent, nowMs);
      if (problems.length > 0) await updateIntent(deps.db, input.intentId, { status: 'REJECTED', note: `refused before placing: ${problems.map((p) => `${p.field} (${p.rule})`).join(', ')}`, atMs: nowMs, problems });
      return { ok: problems.length === 0, problems };
    },

    /**
     * Sends the order once. Never retried by Temporal (a retry could place a second order): a lost
     * response is reported as ambiguous and the workflow looks for the deal before anything else.
     * An attempt already begun (the stored state says so) is never sent again from here.
     */
    async placeTradeIntent(input: { intentId: string; attempt: number }): Promise<PlaceOutcome> {
      const document = await load(input.intentId);
      if (document.dealReference) return { outcome: 'placed', dealReference: document.dealReference };
      const begun = document.events.filter((e) => e.status === 'PLACING').length;
      if (begun >= input.attempt) return { outcome: 'ambiguous', reason: `attempt ${input.attempt} was begun before and its outcome is unknown` };
      const client = deps.capitalFor(document.accountId);
      const placedAfterMs = (await client.serverTime()).serverTime;
      await updateIntent(deps.db, input.intentId, { status: 'PLACING', note: `sending the order, attempt ${input.attempt}`, atMs: Date.now(), placedAfterMs });
      const request = orderRequestOf(document.intent);
      try {
        const { dealReference } = request.endpoint === 'createPosition' ? await client.openPosition(request.body) : await client.createWorkingOrder(request.body);
        await updateIntent(deps.db, input.intentId, { status: 'PLACED', note: `the broker took the order: ${dealReference}`, atMs: Date.now(), dealReference });
        return { outcome: 'placed', dealReference };
      } catch (error) {
        if (error instanceof CapitalAmbiguousError) return { outcome: 'ambiguous', reason: error.message };
        if (error instanceof CapitalRequestError && error.status < 500) {
          await updateIntent(deps.db, input.intentId, { status: 'REJECTED', note: `the broker refused the order: ${error.message}`, atMs: Date.now(), rejectReason: error.code });
          return { outcome: 'refused', reason: error.message };
        }
        // Not sent (refused connection, limits): the same as not sent at all; the workflow may try again.
        return { outcome: 'ambiguous', reason: (error as Error).message };
      }
    },

    /** After a lost response: the deal our POST made, if the broker shows one nobody else claims. */
    async findTradeIntentDeal(input: { intentId: string }): Promise<FoundDeal> {
      const document = await load(input.intentId);
      const client = deps.capitalFor(document.accountId);
      const claimed = await claimedDealIds(deps.db, document.accountId, input.intentId);
      const search = async () => {
        const [{ positions }, { workingOrders }] = await Promise.all([client.positions(), client.workingOrders()]);
        return findPlacedDeal(document.intent, { placedAfterMs: document.placedAfterMs ?? document.receivedAtMs, positions, workingOrders, claimedDealIds: claimed });
      };
      let found = await search();
      if (found.kind === 'none') {
        // The broker may show a deal a moment after it made it: look once more before saying none.
        await new Promise((resolve) => setTimeout(resolve, SETTLE_BEFORE_SEARCH_MS));
        found = await search();
      }
      const atMs = Date.now();
      if (found.kind === 'found') {
        await updateIntent(deps.db, input.intentId, { status: 'CONFIRMED', note: `the response was lost; the broker holds our ${found.source} ${found.dealId}`, atMs, dealId: found.dealId, dealStatus: 'ACCEPTED' });
        await recordLifecycle(document, found.dealId, found.source === 'position' ? 'FILLED' : 'WORKING', `found on the broker after a lost response (${found.source} ${found.dealId})`, atMs);
      } else if (found.kind === 'several') {
        await updateIntent(deps.db, input.intentId, { status: 'NEEDS_REVIEW', note: `the response was lost and ${found.dealIds.length} unclaimed deals match: ${found.dealIds.join(', ')}; nothing more is sent`, atMs });
      }
      return found;
    },

    /** Reads the deal confirmation, waiting out a short "not known yet" (404), and records the outcome. */
    async confirmTradeIntent(input: { intentId: string; dealReference: string }): Promise<IntentResult> {
      const document = await load(input.intentId);
      const client = deps.capitalFor(document.accountId);
      const startedMs = Date.now();
      let confirm: ConfirmResponse | undefined;
      while (!confirm) {
        try {
          confirm = await client.confirm(input.dealReference);
        } catch (error) {
          if (!(error instanceof CapitalRequestError && error.status === 404)) throw error;
          if (Date.now() - startedMs > CONFIRM_UNKNOWN_MAX_MS) throw new Error(`the broker still does not know deal reference ${input.dealReference} after ${CONFIRM_UNKNOWN_MAX_MS / 1000} s`, { cause: error });
          heartbeat({ waitingForConfirm: input.dealReference });
          await new Promise((resolve) => setTimeout(resolve, CONFIRM_POLL_MS));
        }
      }
      const atMs = Date.now();
      const affectedDealIds = (confirm.affectedDeals ?? []).map((d) => d.dealId);
      const orderDealId = confirm.dealId ?? affectedDealIds[0];
      if (confirm.dealStatus !== 'ACCEPTED') {
        const rejectReason = String((confirm as { rejectReason?: unknown }).rejectReason ?? confirm.reason ?? 'UNKNOWN');
        await updateIntent(deps.db, input.intentId, { status: 'REJECTED', note: `the broker rejected the deal: ${rejectReason}`, atMs, dealStatus: String(confirm.dealStatus), rejectReason, ...(orderDealId ? { dealId: orderDealId } : {}) });
        if (orderDealId) await recordLifecycle(document, orderDealId, 'REJECTED', `confirm ${input.dealReference}: REJECTED (${rejectReason})`, atMs);
        return { intentId: input.intentId, status: 'REJECTED', dealReference: input.dealReference, rejectReason, ...(orderDealId ? { dealId: orderDealId } : {}) };
      }
      const dealId = orderDealId as string;
      await updateIntent(deps.db, input.intentId, { status: 'CONFIRMED', note: `confirmed: ${confirm.status ?? ''} ${affectedDealIds.join(', ')}`.trim(), atMs, dealStatus: 'ACCEPTED', dealId, affectedDealIds });
      await recordLifecycle(document, dealId, document.intent.orderType === 'MARKET' ? 'FILLED' : 'WORKING', `confirm ${input.dealReference}: ACCEPTED, affected deals ${affectedDealIds.join(', ') || 'none'}`, atMs);
      return { intentId: input.intentId, status: 'CONFIRMED', dealReference: input.dealReference, dealId, affectedDealIds };
    },

    /** The end of an intent that could not be placed, recorded for the API. */
    async failTradeIntent(input: { intentId: string; reason: string }): Promise<void> {
      await updateIntent(deps.db, input.intentId, { status: 'FAILED', note: input.reason, atMs: Date.now() });
    },
  };
}

export type TradeIntentActivities = ReturnType<typeof createTradeIntentActivities>;
