import type { Statement } from './model';

/** The notes printed on every statement: how to read it, and what the reader should do. */
export const STATEMENT_NOTES: Statement['notes'] = [
  {
    title: 'Rounding',
    text: 'Amounts are the exact decimals the broker reported, in the account currency, shown with at least the currency’s decimals. Nothing is rounded; totals are exact sums.',
  },
  {
    title: 'Definitions',
    text: 'Realised P/L is the cash result of closed trades (TRADE). Commissions and fees include trade commissions, guaranteed-stop premiums, FX commissions and inactivity fees. Overnight funding (SWAP) is shown as credits and debits separately. The running balance is the broker cash balance after each line, starting from the opening balance.',
  },
  {
    title: 'Reconciliation',
    text: 'Each broker record is matched against the company’s books by explicit, versioned rules; every exception names the rule that raised it. The cash roll-forward is proved against broker balance snapshots taken at the period boundaries.',
  },
  {
    title: 'Risk disclosure',
    text: 'CFDs are complex instruments and come with a high risk of losing money rapidly due to leverage. You should consider whether you understand how CFDs work and whether you can afford to take the high risk of losing your money.',
  },
  {
    title: 'Discrepancies',
    text: 'Please check this statement and report any discrepancy promptly to your finance team and, where it concerns the broker’s records, to Capital.com.',
  },
];
