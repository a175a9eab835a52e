/**
 * The cash roll-forward of one account and period:
 *
 *   opening + deposits − withdrawals ± realised P/L − commissions and fees ± overnight funding
 *     ± other types = computed closing
 *
 * proved against the broker's closing balance snapshot: `difference = closing − computedClosing`.
 * Amounts carry their signs (cash effect on the account), so every category is a plain sum and
 * the identity is exact decimal arithmetic; it is asserted, not assumed.
 *
 * Mapping of the 30 transaction types (26 current, 4 legacy):
 *   deposits            DEPOSIT
 *   withdrawals         WITHDRAWAL
 *   realisedPnl         TRADE
 *   commissions         TRADE_COMMISSION, TRADE_COMMISSION_GSL, FX_COMMISSION, INACTIVITY_FEE
 *                       (each also by type)
 *   overnight funding   SWAP, split into credits (≥ 0) and debits (< 0)
 *   other, by type      REFUND, WITHDRAWAL_MONEY_BACK, NEGATIVE_BALANCE_PROTECTION,
 *                       TRADE_CORRECTION, CHARGEBACK, ADJUSTMENT, BONUS, TRANSFER,
 *                       CORPORATE_ACTION, CONVERSION, REBATE, TRADE_SLIPPAGE_PROTECTION, RESERVE,
 *                       UNRESERVE, VOID, WRITE_OFF_OR_CREDIT, CREDIT_FACILITY, COMPLAINT_SETTLEMENT,
 *                       and the legacy DIVIDEND, CONVERT, REIMBURSEMENT, ACCOUNT_CLOSURE
 * A type outside the list (Capital.com adds types) lands in `other` under its own name and is
 * also listed in `unknownTypes`, so it is visible rather than guessed into a category.
 */
import { Decimal } from '../money';

export type RollForwardCategory = 'deposits' | 'withdrawals' | 'realisedPnl' | 'commissions' | 'overnightFunding' | 'other';

export const ROLL_FORWARD_CATEGORY_BY_TYPE: Readonly<Record<string, RollForwardCategory>> = Object.freeze({
  DEPOSIT: 'deposits',
  WITHDRAWAL: 'withdrawals',
  TRADE: 'realisedPnl',
  TRADE_COMMISSION: 'commissions',
  TRADE_COMMISSION_GSL: 'commissions',
  FX_COMMISSION: 'commissions',
  INACTIVITY_FEE: 'commissions',
  SWAP: 'overnightFunding',
  REFUND: 'other',
  WITHDRAWAL_MONEY_BACK: 'other',
  NEGATIVE_BALANCE_PROTECTION: 'other',
  TRADE_CORRECTION: 'other',
  CHARGEBACK: 'other',
  ADJUSTMENT: 'other',
  BONUS: 'other',
  TRANSFER: 'other',
  CORPORATE_ACTION: 'other',
  CONVERSION: 'other',
  REBATE: 'other',
  TRADE_SLIPPAGE_PROTECTION: 'other',
  RESERVE: 'other',
  UNRESERVE: 'other',
  VOID: 'other',
  WRITE_OFF_OR_CREDIT: 'other',
  CREDIT_FACILITY: 'other',
  COMPLAINT_SETTLEMENT: 'other',
  DIVIDEND: 'other',
  CONVERT: 'other',
  REIMBURSEMENT: 'other',
  ACCOUNT_CLOSURE: 'other',
});

export interface RollForwardMovement {
  transactionType: string;
  /** Signed cash effect on the account. */
  amount: Decimal;
  /** How many movements this one sums (a subtotal of one type and one sign); 1 when absent. */
  count?: number;
}

export interface RollForwardInput {
  /** Broker balance snapshot at the start of the period. */
  openingBalance: Decimal;
  /** Broker balance snapshot at the end of the period. */
  closingBalance: Decimal;
  movements: Iterable<RollForwardMovement>;
}

export interface TypedTotal {
  total: Decimal;
  /** Per transaction type, keys sorted. */
  byType: Record<string, Decimal>;
}

export interface RollForwardCategories {
  deposits: Decimal;
  withdrawals: Decimal;
  realisedPnl: Decimal;
  commissions: TypedTotal;
  overnightFundingCredits: Decimal;
  overnightFundingDebits: Decimal;
  other: TypedTotal;
}

export interface RollForward {
  opening: Decimal;
  closing: Decimal;
  byCategory: RollForwardCategories;
  /** Every movement by type, keys sorted (what the categories are made of). */
  byType: Record<string, Decimal>;
  movementCount: number;
  /** Types outside the documented mapping, sorted; they are in `other`. */
  unknownTypes: string[];
  /** opening + Σ movements, exactly. */
  computedClosing: Decimal;
  /** closing − computedClosing. */
  difference: Decimal;
  balanced: boolean;
}

/**
 * Movements summed by type and sign, in type order (credits before debits). The roll-forward of
 * the subtotals equals the roll-forward of the movements (funding is split by sign, so subtotals
 * never mix signs): a window records them once and the proof needs no second read of its rows.
 */
export function subtotalMovements(movements: Iterable<RollForwardMovement>): RollForwardMovement[] {
  const subtotals = new Map<string, { transactionType: string; amount: Decimal; count: number }>();
  for (const { transactionType, amount, count = 1 } of movements) {
    const key = `${transactionType}\u0000${amount.isNegative() ? '-' : '+'}`;
    const subtotal = subtotals.get(key) ?? { transactionType, amount: new Decimal(0), count: 0 };
    subtotal.amount = subtotal.amount.plus(amount);
    subtotal.count += count;
    subtotals.set(key, subtotal);
  }
  return [...subtotals.keys()].sort().map((key) => subtotals.get(key) as RollForwardMovement);
}

export function rollForwardCategoryOf(transactionType: string): RollForwardCategory {
  return ROLL_FORWARD_CATEGORY_BY_TYPE[transactionType] ?? 'other';
}

function sortedRecord(map: ReadonlyMap<string, Decimal>, include: (type: string) => boolean): Record<string, Decimal> {
  const record: Record<string, Decimal> = {};
  for (const type of [...map.keys()].filter(include).sort()) record[type] = map.get(type) as Decimal;
  return record;
}

function typedTotal(byType: Record<string, Decimal>): TypedTotal {
  let total = new Decimal(0);
  for (const amount of Object.values(byType)) total = total.plus(amount);
  return { total, byType };
}

export function rollForward(input: RollForwardInput): RollForward {
  const totals = new Map<string, Decimal>();
  let fundingCredits = new Decimal(0);
  let fundingDebits = new Decimal(0);
  let movementTotal = new Decimal(0);
  let movementCount = 0;
  for (const movement of input.movements) {
    const { transactionType, amount } = movement;
    totals.set(transactionType, (totals.get(transactionType) ?? new Decimal(0)).plus(amount));
    if (rollForwardCategoryOf(transactionType) === 'overnightFunding') {
      if (amount.isNegative()) fundingDebits = fundingDebits.plus(amount);
      else fundingCredits = fundingCredits.plus(amount);
    }
    movementTotal = movementTotal.plus(amount);
    movementCount += movement.count ?? 1;
  }
  const single = (type: string): Decimal => totals.get(type) ?? new Decimal(0);
  const inCategory = (category: RollForwardCategory) => (type: string) => rollForwardCategoryOf(type) === category;
  const byCategory: RollForwardCategories = {
    deposits: single('DEPOSIT'),
    withdrawals: single('WITHDRAWAL'),
    realisedPnl: single('TRADE'),
    commissions: typedTotal(sortedRecord(totals, inCategory('commissions'))),
    overnightFundingCredits: fundingCredits,
    overnightFundingDebits: fundingDebits,
    other: typedTotal(sortedRecord(totals, inCategory('other'))),
  };
  const computedClosing = input.openingBalance.plus(movementTotal);
  assertCategoriesAddUp(input.openingBalance, byCategory, computedClosing);
  const difference = input.closingBalance.minus(computedClosing);
  return {
    opening: input.openingBalance,
    closing: input.closingBalance,
    byCategory,
    byType: sortedRecord(totals, () => true),
    movementCount,
    unknownTypes: [...totals.keys()].filter((type) => !(type in ROLL_FORWARD_CATEGORY_BY_TYPE)).sort(),
    computedClosing,
    difference,
    balanced: difference.isZero(),
  };
}

/** The categories partition the movements: if they do not add up, the mapping is broken. */
function assertCategoriesAddUp(opening: Decimal, c: RollForwardCategories, computedClosing: Decimal): void {
  const fromCategories = opening
    .plus(c.deposits)
    .plus(c.withdrawals)
    .plus(c.realisedPnl)
    .plus(c.commissions.total)
    .plus(c.overnightFundingCredits)
    .plus(c.overnightFundingDebits)
    .plus(c.other.total);
  if (!fromCategories.eq(computedClosing)) throw new Error(`invariant: categories give ${fromCategories.toFixed()} but movements give ${computedClosing.toFixed()}`);
}
