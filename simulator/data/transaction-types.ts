/**
 * The `/history/transactions` types the simulator emits, with the sign each takes (the cash effect
 * on the account) and the note printed with it. Sign conventions are ours where the docs are
 * silent; they follow each type's meaning (REFERENCE §4.2) and are listed in the README.
 */

import { LEGACY_TRANSACTION_TYPES as LEGACY, TRANSACTION_TYPES } from '../../lib/capital/schemas/history';

/** The 26 values of the current docs (one list, kept with the client's schemas). */
export const CURRENT_TRANSACTION_TYPES = TRANSACTION_TYPES;

/** Values only the 2022 docs listed; emitted with `includeLegacyTypes`. */
export const LEGACY_TRANSACTION_TYPES = LEGACY;

export type CurrentTransactionType = (typeof CURRENT_TRANSACTION_TYPES)[number];
export type LegacyTransactionType = (typeof LEGACY_TRANSACTION_TYPES)[number];
/** Open: unknown types (quarantine tests) are any other string. */
export type TransactionType = CurrentTransactionType | LegacyTransactionType | (string & {});

/** CREDIT: always > 0; DEBIT: always < 0; EITHER: either sign (TRADE P/L may also be exactly 0). */
export type CashSign = 'CREDIT' | 'DEBIT' | 'EITHER';

export const TRANSACTION_SIGNS: Readonly<Record<CurrentTransactionType | LegacyTransactionType, CashSign>> = {
  DEPOSIT: 'CREDIT',
  WITHDRAWAL: 'DEBIT',
  TRADE: 'EITHER',
  SWAP: 'EITHER',
  TRADE_COMMISSION: 'DEBIT',
  TRADE_COMMISSION_GSL: 'DEBIT',
  FX_COMMISSION: 'DEBIT',
  INACTIVITY_FEE: 'DEBIT',
  REFUND: 'CREDIT',
  WITHDRAWAL_MONEY_BACK: 'CREDIT',
  NEGATIVE_BALANCE_PROTECTION: 'CREDIT',
  TRADE_CORRECTION: 'EITHER',
  CHARGEBACK: 'DEBIT',
  ADJUSTMENT: 'EITHER',
  BONUS: 'CREDIT',
  TRANSFER: 'EITHER',
  CORPORATE_ACTION: 'EITHER',
  CONVERSION: 'EITHER',
  REBATE: 'CREDIT',
  TRADE_SLIPPAGE_PROTECTION: 'CREDIT',
  RESERVE: 'DEBIT',
  UNRESERVE: 'CREDIT',
  VOID: 'EITHER',
  WRITE_OFF_OR_CREDIT: 'CREDIT',
  CREDIT_FACILITY: 'EITHER',
  COMPLAINT_SETTLEMENT: 'CREDIT',
  DIVIDEND: 'EITHER',
  CONVERT: 'EITHER',
  REIMBURSEMENT: 'CREDIT',
  ACCOUNT_CLOSURE: 'DEBIT',
};

export const TRANSACTION_NOTES: Readonly<Record<CurrentTransactionType | LegacyTransactionType, string>> = {
  DEPOSIT: 'Deposit',
  WITHDRAWAL: 'Withdrawal',
  TRADE: 'Trade closed',
  SWAP: 'Overnight fee',
  TRADE_COMMISSION: 'Trade commission',
  TRADE_COMMISSION_GSL: 'Guaranteed stop loss fee',
  FX_COMMISSION: 'Currency conversion fee',
  INACTIVITY_FEE: 'Inactivity fee',
  REFUND: 'Refund',
  WITHDRAWAL_MONEY_BACK: 'Withdrawal returned',
  NEGATIVE_BALANCE_PROTECTION: 'Negative balance protection',
  TRADE_CORRECTION: 'Trade correction',
  CHARGEBACK: 'Chargeback',
  ADJUSTMENT: 'Balance adjustment',
  BONUS: 'Bonus',
  TRANSFER: 'Transfer between accounts',
  CORPORATE_ACTION: 'Dividend adjustment',
  CONVERSION: 'Currency conversion',
  REBATE: 'Rebate',
  TRADE_SLIPPAGE_PROTECTION: 'Slippage protection',
  RESERVE: 'Funds reserved',
  UNRESERVE: 'Funds released',
  VOID: 'Void',
  WRITE_OFF_OR_CREDIT: 'Write-off',
  CREDIT_FACILITY: 'Credit facility',
  COMPLAINT_SETTLEMENT: 'Complaint settlement',
  DIVIDEND: 'Dividend',
  CONVERT: 'Convert',
  REIMBURSEMENT: 'Reimbursement',
  ACCOUNT_CLOSURE: 'Account closure',
};

export function isCurrentTransactionType(type: string): type is CurrentTransactionType {
  return (CURRENT_TRANSACTION_TYPES as readonly string[]).includes(type);
}

export function isLegacyTransactionType(type: string): type is LegacyTransactionType {
  return (LEGACY_TRANSACTION_TYPES as readonly string[]).includes(type);
}
