import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { proxyActivities } from '@temporalio/workflow';
import type { Activities, IntentResult, PlaceOutcome } from '../activities';

/**
 * One trade intent, one workflow, its id the intent's (`intent:{source}:{idempotency key}`): a
 * duplicate delivery finds this run and never starts a second. Validate, place once, confirm.
 * When the response to the order POST is lost (a timeout, a crash), nothing is sent again until
 * the broker's positions and working orders show whether the order exists (intent-match.ts).
 */
export interface TradeIntentInput {
  intentId: string;
}

/** Placements per intent: a second only after the broker shows the first made nothing. */
const PLACEMENTS_MAX = 2;

const { validateTradeIntent, findTradeIntentDeal, confirmTradeIntent, failTradeIntent } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 6 },
});

/** The POST itself is never retried by Temporal: a retry could place a second order. */
const { placeTradeIntent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '20 seconds',
  retry: { maximumAttempts: 1 },
});

export async function executeTradeIntent(input: TradeIntentInput): Promise<IntentResult> {
  const { intentId } = input;
  const validation = await validateTradeIntent({ intentId });
  if (!validation.ok) return { intentId, status: 'REJECTED', problems: validation.problems };

  for (let attempt = 1; attempt <= PLACEMENTS_MAX; attempt++) {
    let placed: PlaceOutcome;
    try {
      placed = await placeTradeIntent({ intentId, attempt });
    } catch (error) {
      // The activity died (worker crash, timeout): whether the POST went out is unknown.
      if (!(error instanceof ActivityFailure)) throw error;
      placed = { outcome: 'ambiguous', reason: error.cause?.message ?? error.message };
    }
    if (placed.outcome === 'placed') return confirmTradeIntent({ intentId, dealReference: placed.dealReference });
    if (placed.outcome === 'refused') return { intentId, status: 'REJECTED', rejectReason: placed.reason };

    const found = await findTradeIntentDeal({ intentId });
    if (found.kind === 'found') return { intentId, status: 'CONFIRMED', dealId: found.dealId };
    if (found.kind === 'several') return { intentId, status: 'NEEDS_REVIEW' };
    // None: the lost POST made nothing, so sending it again cannot double it.
  }
  const reason = `the order could not be placed in ${PLACEMENTS_MAX} attempts (each lost without a trace on the broker)`;
  await failTradeIntent({ intentId, reason });
  throw ApplicationFailure.nonRetryable(reason, 'IntentNotPlaced');
}
