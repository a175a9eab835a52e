import { ApplicationFailure } from '@temporalio/common';
import type { CapitalClient } from '../lib/capital';
import { parseBrokerUtc } from '../lib/capital/broker-time';
import { anchorAt, balanceAtBoundary, chooseAnchors, outside, type Anchor, type TimeRange } from '../lib/ledger/balance-anchors';
import { rollForward, type RollForward } from '../lib/ledger/roll-forward';
import { canonical, Decimal, toDecimal } from '../lib/money';
import { balanceSnapshotId, balanceSnapshotsBetween, saveBalanceSnapshots, toBalanceSnapshot } from '../lib/store/balances';
import { saveExceptions, type ExceptionDocument } from '../lib/store/reconciliation';
import { transactionsInRanges, windowMovements } from '../lib/store/transactions';
import type { AnchorOutcome, RollForwardStatus, RollForwardSummary } from '../lib/ledger/roll-forward-summary';
import { withCapitalFailures } from './capital-failures';
import type { ActivityDeps } from './deps';

export interface BalanceDeps extends ActivityDeps {
  capitalFor(accountId: string): CapitalClient;
}

export type { AnchorOutcome, RollForwardStatus, RollForwardSummary } from '../lib/ledger/roll-forward-summary';

export interface CapturedSnapshot {
  snapshotId: string;
  atMs: number;
  cash: string;
  currency: string;
}

/** An anchor as it travels through the workflow (decimals as text). */
export interface AnchorPlan {
  snapshotId: string;
  atMs: number;
  uncertainUntilMs: number;
  cash: string;
  boundaryMs: number;
}

export interface RollForwardPlan {
  opening?: AnchorPlan;
  closing?: AnchorPlan;
  problems: string[];
  /** Broker time outside the period that the anchors' bridges need read, in windows of at most a day. */
  bridgeWindows: TimeRange[];
}

export interface ProveRollForwardInput {
  runId: string;
  accountId: string;
  fromMs: number;
  toMs: number;
  plan: RollForwardPlan;
  /** The run's windows that tile the period: each recorded its movements' subtotals. */
  windowIndexes: number[];
  /** A partial reconciliation: the movements are only these types, so the proof is refused. */
  types?: string[];
  dryRun?: boolean;
}

const RULE = 'roll-forward@1';

interface RangeSum {
  rows: number;
  net: Decimal;
}
const DAY_MS = 86_400_000;

function toPlan(anchor: Anchor): AnchorPlan {
  const { snapshot } = anchor;
  return { snapshotId: snapshot.snapshotId, atMs: snapshot.atMs, uncertainUntilMs: snapshot.uncertainUntilMs, cash: canonical(snapshot.cash), boundaryMs: anchor.boundaryMs };
}

function fromPlan(plan: AnchorPlan): Anchor {
  return anchorAt({ snapshotId: plan.snapshotId, atMs: plan.atMs, uncertainUntilMs: plan.uncertainUntilMs, cash: toDecimal(plan.cash) }, plan.boundaryMs);
}

/** What must be read for an anchor: its bridge and its uncertain instant, beyond the period. */
function bridgeReads(anchor: Anchor, period: TimeRange): TimeRange[] {
  const span = { fromMs: Math.min(anchor.bridge.fromMs, anchor.uncertain.fromMs), toMs: Math.max(anchor.bridge.toMs, anchor.uncertain.toMs) };
  return outside(span, period);
}

function dayWindows(ranges: TimeRange[]): TimeRange[] {
  const windows: TimeRange[] = [];
  for (const range of ranges) {
    for (let from = range.fromMs; from < range.toMs; from += DAY_MS) windows.push({ fromMs: from, toMs: Math.min(from + DAY_MS, range.toMs) });
  }
  return windows;
}

/** The broker's zone-less UTC text as an ISO instant. */
function brokerInstant(text: string): string {
  const ms = parseBrokerUtc(text);
  return ms === undefined ? text : iso(ms);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function createBalanceActivities(deps: BalanceDeps) {
  /**
   * Row count and net amount of each range, from one read: the embedded database decodes the
   * whole collection for every query, so the anchors' four small ranges cost one pass, not four.
   */
  async function sumsOver(accountId: string, ranges: readonly TimeRange[]): Promise<RangeSum[]> {
    const sums = ranges.map(() => ({ rows: 0, net: new Decimal(0) }));
    const nonEmpty = ranges.filter((r) => r.toMs > r.fromMs);
    if (nonEmpty.length === 0) return sums;
    for await (const tx of transactionsInRanges(deps.db, accountId, nonEmpty)) {
      ranges.forEach((range, i) => {
        if (tx.bookedAtMs < range.fromMs || tx.bookedAtMs >= range.toMs) return;
        const sum = sums[i] as RangeSum;
        sum.rows++;
        sum.net = sum.net.plus(toDecimal(tx.amount));
      });
    }
    return sums;
  }

  /** Carries an anchor's snapshot to its boundary, or says why it cannot be trusted. */
  function carry(anchor: Anchor, uncertain: RangeSum, bridge: RangeSum): { outcome: AnchorOutcome; balance: Decimal } | { problem: string } {
    if (uncertain.rows > 0) {
      return { problem: `${uncertain.rows} transaction(s) were booked while snapshot ${anchor.snapshot.snapshotId} was read, so it is unclear whether its balance includes them` };
    }
    const balance = balanceAtBoundary(anchor, bridge.net);
    return {
      balance,
      outcome: {
        snapshotId: anchor.snapshot.snapshotId,
        snapshotAt: iso(anchor.snapshot.atMs),
        snapshotCash: canonical(anchor.snapshot.cash),
        bridge: { from: iso(anchor.bridge.fromMs), to: iso(anchor.bridge.toMs), rows: bridge.rows, net: canonical(bridge.net) },
        balance: canonical(balance),
      },
    };
  }

  async function captureBalanceSnapshot(input: { accountId: string; takenBy: string }): Promise<CapturedSnapshot> {
    const client = deps.capitalFor(input.accountId);
    // The balance is computed at some instant between these two broker-clock readings.
    const before = (await client.serverTime()).serverTime;
    const [{ accounts }, { positions }, { workingOrders }] = await Promise.all([client.accounts(), client.positions(), client.workingOrders()]);
    const after = (await client.serverTime()).serverTime;
    const account = accounts.find((a) => a.accountId === input.accountId);
    if (!account) throw ApplicationFailure.nonRetryable(`account ${input.accountId} is not among the accounts this API key sees (${accounts.map((a) => a.accountId).join(', ')})`, 'UnknownAccount');
    const snapshot = {
      _id: balanceSnapshotId(input.accountId, before, 'broker-api'),
      accountId: input.accountId,
      atMs: before,
      at: new Date(before),
      uncertainUntilMs: Math.max(before, after),
      cash: canonical(account.balance.deposit),
      equity: canonical(account.balance.balance),
      unrealisedPnl: canonical(account.balance.profitLoss),
      available: canonical(account.balance.available),
      currency: account.currency,
      source: 'broker-api' as const,
      takenBy: input.takenBy,
      positions: positions.map(({ position, market }) => ({
        dealId: position.dealId,
        epic: market.epic,
        direction: position.direction,
        size: canonical(position.size),
        level: canonical(position.level),
        currency: position.currency,
        unrealisedPnl: canonical(position.upl),
        openedAtUtc: brokerInstant(position.createdDateUTC),
      })),
      workingOrders: workingOrders.map(({ workingOrderData: order }) => ({
        dealId: order.dealId,
        epic: order.epic,
        direction: order.direction,
        type: order.orderType,
        size: canonical(order.orderSize),
        level: canonical(order.orderLevel),
        currency: order.currencyCode,
        createdAtUtc: brokerInstant(order.createdDateUTC),
      })),
    };
    await saveBalanceSnapshots(deps.db, [snapshot]);
    deps.log.info({ accountId: input.accountId, snapshotId: snapshot._id, cash: snapshot.cash }, 'balance snapshot captured');
    return { snapshotId: snapshot._id, atMs: snapshot.atMs, cash: snapshot.cash, currency: snapshot.currency };
  }

  /** Picks the snapshots that prove the period and lists the broker time their bridges need read. */
  async function planRollForward(input: { accountId: string; fromMs: number; toMs: number; maxBridgeDays?: number }): Promise<RollForwardPlan> {
    const maxBridgeMs = (input.maxBridgeDays ?? 7) * DAY_MS;
    const documents = await balanceSnapshotsBetween(deps.db, input.accountId, input.fromMs - maxBridgeMs, input.toMs + maxBridgeMs);
    const period = { fromMs: input.fromMs, toMs: input.toMs };
    const choice = chooseAnchors(documents.map(toBalanceSnapshot), period, { maxBridgeMs });
    const anchors = [choice.opening, choice.closing].filter((a): a is Anchor => a !== undefined);
    return {
      ...(choice.opening ? { opening: toPlan(choice.opening) } : {}),
      ...(choice.closing ? { closing: toPlan(choice.closing) } : {}),
      problems: choice.problems,
      bridgeWindows: dayWindows(anchors.flatMap((a) => bridgeReads(a, period))),
    };
  }

  /** opening + movements = closing, each end carried from its snapshot; a difference or a missing proof is an exception. */
  async function proveRollForward(input: ProveRollForwardInput): Promise<RollForwardSummary> {
    const reasons = [...input.plan.problems];
    if (input.types) reasons.push(`only ${input.types.join(', ')} were reconciled: the cash roll-forward needs every type`);
    const anchors = [input.plan.opening, input.plan.closing].map((plan) => (plan ? fromPlan(plan) : undefined));
    const sums = await sumsOver(input.accountId, anchors.flatMap((a) => (a ? [a.uncertain, a.bridge] : [])));
    const [opening, closing] = anchors.map((anchor) => {
      if (!anchor) return undefined;
      const [uncertain, bridge] = sums.splice(0, 2) as [RangeSum, RangeSum];
      return carry(anchor, uncertain, bridge);
    });
    for (const end of [opening, closing]) if (end && 'problem' in end) reasons.push(end.problem);

    const movements = (await windowMovements(deps.db, input.runId, input.windowIndexes)).map((m) => ({ transactionType: m.transactionType, amount: toDecimal(m.amount), count: m.count }));
    const openingBalance = opening && 'balance' in opening ? opening.balance : undefined;
    const closingBalance = closing && 'balance' in closing ? closing.balance : undefined;
    const net = movements.reduce((total, m) => total.plus(m.amount), new Decimal(0));
    const derivedOpening = openingBalance ?? (closingBalance ? closingBalance.minus(net) : new Decimal(0));
    const flow = rollForward({ openingBalance: derivedOpening, closingBalance: closingBalance ?? derivedOpening.plus(net), movements });
    const proven = reasons.length === 0 && openingBalance !== undefined && closingBalance !== undefined;
    const status: RollForwardStatus = !proven ? 'UNPROVEN' : flow.balanced ? 'PROVEN' : 'DIFFERENCE';
    const summary = summarise(flow, status, reasons, {
      opening: opening && 'outcome' in opening ? opening.outcome : undefined,
      closing: closing && 'outcome' in closing ? closing.outcome : undefined,
      openingKnown: openingBalance !== undefined || closingBalance !== undefined,
      openingDerived: openingBalance === undefined,
      closingKnown: closingBalance !== undefined,
    });
    if (!input.dryRun && status !== 'PROVEN') await saveExceptions(deps.db, [exceptionOf(input, summary)]);
    return summary;
  }

  return {
    captureBalanceSnapshot: withCapitalFailures(captureBalanceSnapshot),
    planRollForward,
    proveRollForward,
  };
}

function amounts(record: Record<string, Decimal>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([type, amount]) => [type, canonical(amount)]));
}

function summarise(
  flow: RollForward,
  status: RollForwardStatus,
  reasons: string[],
  ends: { opening?: AnchorOutcome; closing?: AnchorOutcome; openingKnown: boolean; openingDerived: boolean; closingKnown: boolean },
): RollForwardSummary {
  const c = flow.byCategory;
  return {
    status,
    reasons,
    ...(ends.openingKnown ? { opening: canonical(flow.opening) } : {}),
    openingDerived: ends.openingDerived,
    ...(ends.closingKnown ? { closing: canonical(flow.closing) } : {}),
    ...(ends.openingKnown ? { computedClosing: canonical(flow.computedClosing) } : {}),
    ...(status !== 'UNPROVEN' ? { difference: canonical(flow.difference) } : {}),
    movements: {
      deposits: canonical(c.deposits),
      withdrawals: canonical(c.withdrawals),
      realisedPnl: canonical(c.realisedPnl),
      commissions: canonical(c.commissions.total),
      commissionsByType: amounts(c.commissions.byType),
      overnightFundingCredits: canonical(c.overnightFundingCredits),
      overnightFundingDebits: canonical(c.overnightFundingDebits),
      other: canonical(c.other.total),
      otherByType: amounts(c.other.byType),
    },
    net: canonical(flow.computedClosing.minus(flow.opening)),
    movementCount: flow.movementCount,
    unknownTypes: flow.unknownTypes,
    anchors: { ...(ends.opening ? { opening: ends.opening } : {}), ...(ends.closing ? { closing: ends.closing } : {}) },
  };
}

function exceptionOf(input: ProveRollForwardInput, summary: RollForwardSummary): ExceptionDocument {
  const kind = summary.status === 'DIFFERENCE' ? 'ROLL_FORWARD_DIFFERENCE' : 'ROLL_FORWARD_UNPROVEN';
  const reason =
    summary.status === 'DIFFERENCE'
      ? `the broker's closing balance ${summary.closing} differs from opening ${summary.opening} + movements ${summary.net} = ${summary.computedClosing} by ${summary.difference}`
      : `the roll-forward could not be proved: ${summary.reasons.join('; ')}`;
  const exceptionId = `${RULE}:${kind}`;
  return { _id: `${input.runId}:${exceptionId}`, runId: input.runId, accountId: input.accountId, exceptionId, kind, reason, rule: RULE, brokerKeys: [], bookEntryIds: [] };
}
