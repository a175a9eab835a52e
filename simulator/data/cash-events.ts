/**
 * Cash movements that are not part of a deal: deposits, withdrawals, fees and the rarer types.
 * Each day draws them from its own stream; how many depends on the day's volume target, and their
 * size on how busy the account is (a busy account moves more money).
 */
import { Decimal } from '../../lib/money';
import { type GenerationContext } from './context';
import { allMarkets } from './markets';
import { Prng } from './prng';
import { DAY_MS, dayStartMs, HOUR_MS, MINUTE_MS } from './time';
import { LEGACY_TRANSACTION_TYPES, TRANSACTION_NOTES, type CurrentTransactionType, type LegacyTransactionType } from './transaction-types';
import { centsDecimal, toCents } from './wire-numbers';

export interface CashEvent {
  timeMs: number;
  /** Distinct among the day's cash events; part of the row's reference. */
  localId: number;
  transactionType: string;
  amount: Decimal;
  note: string;
  instrumentName?: string;
}

export interface ExtraTypeOptions {
  /** Also emit the four 2022-only types (DIVIDEND, CONVERT, REIMBURSEMENT, ACCOUNT_CLOSURE), rarely. */
  includeLegacyTypes?: boolean;
  /** Undocumented type names to inject rarely, e.g. ['MYSTERY_FEE'], for quarantine tests. */
  unknownTypes?: readonly string[];
}

type Sign = 1 | -1 | 'either';
type Instrument = 'traded' | 'share';

interface Spec {
  type: CurrentTransactionType | LegacyTransactionType;
  /** Expected count per day = base + perTarget × the day's row target. */
  base: number;
  perTarget: number;
  sign: Sign;
  /** Amount range in cents before scaling; `scaled` multiplies it by the account's money scale. */
  minCents: number;
  maxCents: number;
  scaled: boolean;
  /** Rounded to whole tens (card and bank transfers usually are). */
  roundTens?: boolean;
  instrument?: Instrument;
}

const RARE_BASE = 0.03;
const RARE_PER_TARGET = 0.0006;

const rare = (type: CurrentTransactionType, sign: Sign, minCents: number, maxCents: number, extra: Partial<Spec> = {}): Spec => ({
  type, base: RARE_BASE, perTarget: RARE_PER_TARGET, sign, minCents, maxCents, scaled: false, ...extra,
});

/** RESERVE is drawn with its UNRESERVE (same amount, later the same day), so it is not in this list. */
const DAILY_SPECS: readonly Spec[] = [
  { type: 'DEPOSIT', base: 0.2, perTarget: 0.002, sign: 1, minCents: 5_000, maxCents: 120_000, scaled: true, roundTens: true },
  { type: 'WITHDRAWAL', base: 0.15, perTarget: 0.001, sign: -1, minCents: 5_000, maxCents: 100_000, scaled: true, roundTens: true },
  rare('INACTIVITY_FEE', -1, 1_000, 1_200),
  rare('REFUND', 1, 100, 5_000),
  rare('WITHDRAWAL_MONEY_BACK', 1, 5_000, 50_000, { scaled: true, roundTens: true }),
  rare('NEGATIVE_BALANCE_PROTECTION', 1, 100, 20_000),
  rare('TRADE_CORRECTION', 'either', 50, 5_000, { instrument: 'traded' }),
  rare('CHARGEBACK', -1, 5_000, 50_000, { scaled: true, roundTens: true }),
  rare('ADJUSTMENT', 'either', 1, 10_000),
  rare('BONUS', 1, 1_000, 10_000),
  rare('TRANSFER', 'either', 10_000, 100_000, { scaled: true, roundTens: true }),
  rare('CORPORATE_ACTION', 'either', 50, 8_000, { instrument: 'share' }),
  rare('CONVERSION', 'either', 100, 50_000),
  rare('REBATE', 1, 50, 5_000),
  rare('TRADE_SLIPPAGE_PROTECTION', 1, 10, 2_000, { instrument: 'traded' }),
  rare('VOID', 'either', 100, 10_000),
  rare('WRITE_OFF_OR_CREDIT', 1, 100, 10_000),
  rare('CREDIT_FACILITY', 'either', 10_000, 100_000),
  rare('COMPLAINT_SETTLEMENT', 1, 1_000, 30_000),
];

const RESERVE_SPEC: Spec = rare('RESERVE', -1, 5_000, 50_000, { scaled: true });

const LEGACY_SPECS: Readonly<Record<LegacyTransactionType, Spec>> = {
  DIVIDEND: { type: 'DIVIDEND', base: 0.02, perTarget: 0.0004, sign: 'either', minCents: 50, maxCents: 8_000, scaled: false, instrument: 'share' },
  CONVERT: { type: 'CONVERT', base: 0.02, perTarget: 0.0004, sign: 'either', minCents: 100, maxCents: 50_000, scaled: false },
  REIMBURSEMENT: { type: 'REIMBURSEMENT', base: 0.02, perTarget: 0.0004, sign: 1, minCents: 100, maxCents: 10_000, scaled: false },
  ACCOUNT_CLOSURE: { type: 'ACCOUNT_CLOSURE', base: 0.02, perTarget: 0.0004, sign: -1, minCents: 100, maxCents: 5_000, scaled: false },
};

const TEN = new Decimal(10);
const CENT = new Decimal('0.01');
const UNKNOWN_BASE = 0.03;
const UNKNOWN_PER_TARGET = 0.0005;
const OPENING_DEPOSITS = 2;

/** Local ids: base events from 0, legacy and unknown ones in their own blocks (see transactions.ts). */
export const EXTRA_LOCAL_BLOCK = 10_000;
const UNKNOWN_LOCAL_OFFSET = 100_000;

/**
 * Multiplies transfer amounts for very busy accounts. Mild on purpose: the number of deposits
 * already grows with volume, as do the fees and funding they pay for.
 */
function moneyScale(ctx: GenerationContext): Decimal {
  return new Decimal(ctx.account.transactionsPerMonth).dividedBy(1_000_000).plus(1);
}

function drawAmount(rng: Prng, spec: Spec, scale: Decimal): Decimal {
  let amount = centsDecimal(rng.int(spec.minCents, spec.maxCents));
  if (spec.scaled) amount = amount.times(scale);
  amount = spec.roundTens ? Decimal.max(TEN, amount.dividedBy(TEN).toDecimalPlaces(0).times(TEN)) : Decimal.max(CENT, toCents(amount));
  const negative = spec.sign === 'either' ? rng.chance(0.5) : spec.sign === -1;
  return negative ? amount.negated() : amount;
}

function instrumentFor(ctx: GenerationContext, rng: Prng, kind: Instrument): string {
  if (kind === 'traded') return rng.pick(ctx.account.tradedEpics);
  const shares = allMarkets().filter((m) => m.type === 'SHARES');
  const traded = shares.filter((m) => ctx.account.tradedEpics.includes(m.epic));
  return rng.pick(traded.length > 0 ? traded : shares).epic;
}

function eventOf(ctx: GenerationContext, rng: Prng, spec: Spec, timeMs: number, localId: number, scale: Decimal): CashEvent {
  const event: CashEvent = { timeMs, localId, transactionType: spec.type, amount: drawAmount(rng, spec, scale), note: TRANSACTION_NOTES[spec.type] };
  if (spec.instrument) event.instrumentName = instrumentFor(ctx, rng, spec.instrument);
  return event;
}

/** The day's deposits, withdrawals, fees and rare types. The account's first day starts with a couple of deposits. */
export function cashEventsOfDay(ctx: GenerationContext, day: number, target: number): CashEvent[] {
  if (target <= 0) return [];
  const rng = Prng.fromKey('cash', ctx.seed, ctx.account.accountId, day);
  const scale = moneyScale(ctx);
  const start = dayStartMs(day);
  const events: CashEvent[] = [];
  if (day === ctx.firstDay) {
    const deposit = DAILY_SPECS[0] as Spec;
    for (let i = 0; i < OPENING_DEPOSITS; i++) events.push(eventOf(ctx, rng, deposit, start + 6 * HOUR_MS + rng.int(0, 4 * HOUR_MS), events.length, scale));
  }
  for (const spec of DAILY_SPECS) {
    const count = rng.countAround(spec.base + spec.perTarget * target);
    for (let i = 0; i < count; i++) events.push(eventOf(ctx, rng, spec, start + rng.int(0, DAY_MS - 1), events.length, scale));
  }
  const reserves = rng.countAround(RESERVE_SPEC.base + RESERVE_SPEC.perTarget * target);
  for (let i = 0; i < reserves; i++) {
    const reserve = eventOf(ctx, rng, RESERVE_SPEC, start + rng.int(0, 20 * HOUR_MS), events.length, scale);
    events.push(reserve);
    const releaseMs = reserve.timeMs + rng.int(10 * MINUTE_MS, 4 * HOUR_MS - 1);
    events.push({ timeMs: releaseMs, localId: events.length, transactionType: 'UNRESERVE', amount: reserve.amount.negated(), note: TRANSACTION_NOTES.UNRESERVE });
  }
  return events;
}

/** Legacy and unknown types requested by the options; drawn from their own streams so the base rows never change. */
export function extraEventsOfDay(ctx: GenerationContext, day: number, target: number, options: ExtraTypeOptions): CashEvent[] {
  if (target <= 0) return [];
  const events: CashEvent[] = [];
  const scale = moneyScale(ctx);
  const start = dayStartMs(day);
  if (options.includeLegacyTypes) {
    LEGACY_TRANSACTION_TYPES.forEach((type, typeIndex) => {
      const spec = LEGACY_SPECS[type];
      const rng = Prng.fromKey('legacy', ctx.seed, ctx.account.accountId, day, type);
      const count = Math.min(EXTRA_LOCAL_BLOCK, rng.countAround(spec.base + spec.perTarget * target));
      for (let i = 0; i < count; i++) events.push(eventOf(ctx, rng, spec, start + rng.int(0, DAY_MS - 1), typeIndex * EXTRA_LOCAL_BLOCK + i, scale));
    });
  }
  const unknownTypes = options.unknownTypes ?? [];
  if (unknownTypes.length > 9) throw new RangeError('at most 9 unknown types can be injected');
  unknownTypes.forEach((type, typeIndex) => {
    const rng = Prng.fromKey('unknown', ctx.seed, ctx.account.accountId, day, type);
    const count = Math.min(EXTRA_LOCAL_BLOCK, rng.countAround(UNKNOWN_BASE + UNKNOWN_PER_TARGET * target));
    for (let i = 0; i < count; i++) {
      events.push({
        timeMs: start + rng.int(0, DAY_MS - 1),
        localId: UNKNOWN_LOCAL_OFFSET + typeIndex * EXTRA_LOCAL_BLOCK + i,
        transactionType: type,
        amount: centsDecimal(-rng.int(50, 2_000)),
        note: 'Unclassified charge',
      });
    }
  });
  return events;
}
