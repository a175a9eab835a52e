/**
 * A small fixed statement, and a synthetic one of any size, for the writers' golden-file tests and
 * the rendering benchmarks. Real statements come from `load.ts`; these only exercise the writers.
 */
import { DateTime } from 'luxon';
import { Decimal } from '../money';
import type { Statement, StatementLine, StatementSource } from './model';
import { STATEMENT_NOTES } from './notes';

const TYPES = ['TRADE', 'TRADE_COMMISSION', 'SWAP', 'DEPOSIT', 'WITHDRAWAL', 'FX_COMMISSION'] as const;
const EPICS = ['GOLD', 'US500', 'EURUSD', 'BTCUSD', 'NATURALGAS'];
const NOTES: Record<string, string> = {
  TRADE: 'Trade closed',
  TRADE_COMMISSION: 'Commission',
  SWAP: 'Overnight fee',
  DEPOSIT: 'Deposit',
  WITHDRAWAL: 'Withdrawal',
  FX_COMMISSION: 'FX commission',
};
/** As the default rules post a positive amount: broker cash (1100) debited, the other account credited. */
const COUNTER_ACCOUNT: Record<string, string> = {
  TRADE: '4000',
  TRADE_COMMISSION: '5200',
  SWAP: '5100',
  DEPOSIT: '1050',
  WITHDRAWAL: '1050',
  FX_COMMISSION: '5220',
};
const CASH = '1100';
const ACCOUNT_NAMES: Record<string, [string, string]> = {
  '1050': ['Funds in transit', 'asset'],
  '1100': ['Broker cash – Capital.com', 'asset'],
  '4000': ['Realised trading gains', 'income'],
  '5100': ['Overnight funding', 'expense'],
  '5200': ['Trade commissions', 'expense'],
  '5220': ['FX commissions', 'expense'],
};
const PERIOD_START_MS = Date.UTC(2025, 2, 1);
/** March 2025 in Europe/London ends at 2025-03-31T23:00Z (summer time began on the 30th). */
const PERIOD_MS = Date.UTC(2025, 2, 31, 23) - PERIOD_START_MS;

export const SAMPLE_OPENING = '10000.00';

function sampleHeader(lineCount: number): Statement['header'] {
  return {
    legalEntity: 'Example Trading Ltd',
    broker: 'Capital.com',
    brokerAccountId: '12345678901234567',
    internalAccount: { code: '1100', name: 'Broker cash – Capital.com' },
    baseCurrency: 'USD',
    scale: 2,
    period: '2025-03',
    periodStart: '2025-03-01T00:00:00.000+00:00',
    periodEnd: '2025-04-01T00:00:00.000+01:00',
    timeZone: 'Europe/London',
    cutOffRule: 'Broker booking times (UTC) from 2025-03-01 00:00 Europe/London inclusive to 2025-04-01 00:00 Europe/London exclusive.',
    generatedAt: '2025-04-01T00:05:00.000Z',
    runId: 'recon:12345678901234567:2025-03',
    workflowId: 'recon:12345678901234567:2025-03',
    temporalRunId: '0195e1a2-0000-7000-8000-000000000000',
    codeVersion: `0.1.0 (sample, ${lineCount} lines)`,
  };
}

/** The amount of line `i`: deterministic, both signs, some with formula-like notes. */
function sampleLine(i: number, running: Decimal, lineCount: number): { line: StatementLine; running: Decimal } {
  const type = TYPES[i % TYPES.length] as (typeof TYPES)[number];
  const cents = ((i * 7_919) % 20_000) - (type === 'DEPOSIT' ? -5_000 : 10_000);
  const sign = type === 'TRADE' || type === 'DEPOSIT' ? 1 : -1;
  const amount = new Decimal(Math.abs(cents) * (type === 'TRADE' ? Math.sign(cents) || 1 : sign)).dividedBy(100);
  const next = running.plus(amount);
  // Spread over the period whatever the count, so every line belongs to it.
  const atMs = PERIOD_START_MS + Math.floor((i * PERIOD_MS) / Math.max(lineCount, 1));
  const counter = COUNTER_ACCOUNT[type] as string;
  const note = i === 3 ? '=HYPERLINK("http://evil.example","click")' : i === 4 ? '+1 555 0100, call back' : i === 5 ? '@SUM(A1:A2)' : (NOTES[type] as string);
  return {
    running: next,
    line: {
      line: i + 1,
      key: `capital:12345678901234567:${100000 + i}:${type}:0`,
      bookedAtUtc: new Date(atMs).toISOString(),
      bookedAtLocal: DateTime.fromMillis(atMs, { zone: 'Europe/London' }).toISO() as string,
      reference: String(100000 + i),
      transactionType: type,
      instrument: type === 'DEPOSIT' || type === 'WITHDRAWAL' ? '' : (EPICS[i % EPICS.length] as string),
      note,
      amount: amount.toFixed(2),
      currency: 'USD',
      runningBalance: next.toFixed(2),
      debitAccount: amount.isNegative() ? counter : CASH,
      creditAccount: amount.isNegative() ? CASH : counter,
      matchStatus: i % 11 === 10 ? 'EXCEPTION' : 'MATCHED',
    },
  };
}

/** A statement of `lineCount` synthetic lines; its totals and roll-forward agree with the lines. */
export function sampleStatement(lineCount = 12): StatementSource {
  const byType = new Map<string, { count: number; amount: Decimal }>();
  const byAccount = new Map<string, { debit: Decimal; credit: Decimal }>();
  const post = (code: string, side: 'debit' | 'credit', amount: Decimal) => {
    const sums = byAccount.get(code) ?? { debit: new Decimal(0), credit: new Decimal(0) };
    sums[side] = sums[side].plus(amount);
    byAccount.set(code, sums);
  };
  let running = new Decimal(SAMPLE_OPENING);
  for (let i = 0; i < lineCount; i++) {
    const { line, running: next } = sampleLine(i, running, lineCount);
    running = next;
    const total = byType.get(line.transactionType) ?? { count: 0, amount: new Decimal(0) };
    byType.set(line.transactionType, { count: total.count + 1, amount: total.amount.plus(line.amount) });
    post(line.debitAccount, 'debit', new Decimal(line.amount).abs());
    post(line.creditAccount, 'credit', new Decimal(line.amount).abs());
  }
  const closing = running.toFixed(2);
  const amountOf = (type: string) => (byType.get(type)?.amount ?? new Decimal(0)).toFixed(2);
  const fees = new Decimal(amountOf('TRADE_COMMISSION')).plus(amountOf('FX_COMMISSION'));
  const statement: Statement = {
    header: sampleHeader(lineCount),
    rollForward: {
      status: 'PROVEN',
      lines: [
        { label: 'Opening balance', amount: SAMPLE_OPENING, level: 0 },
        { label: 'Deposits', amount: amountOf('DEPOSIT'), level: 0 },
        { label: 'Withdrawals', amount: amountOf('WITHDRAWAL'), level: 0 },
        { label: 'Realised P/L', amount: amountOf('TRADE'), level: 0 },
        { label: 'Commissions and fees', amount: fees.toFixed(2), level: 0 },
        { label: 'TRADE_COMMISSION', amount: amountOf('TRADE_COMMISSION'), level: 1 },
        { label: 'FX_COMMISSION', amount: amountOf('FX_COMMISSION'), level: 1 },
        { label: 'Overnight funding credits', amount: '0.00', level: 0 },
        { label: 'Overnight funding debits', amount: amountOf('SWAP'), level: 0 },
        { label: 'Other types', amount: '0.00', level: 0 },
        { label: 'Closing balance', amount: closing, level: 0 },
      ],
      opening: SAMPLE_OPENING,
      openingSource: 'broker balance snapshot 2025-03-01T00:02:00.000Z',
      computedClosing: closing,
      closing,
      closingSource: 'broker balance snapshot 2025-04-01T00:02:00.000Z',
      difference: '0.00',
      verdict: `Opening ${SAMPLE_OPENING} + movements = ${closing} = broker closing ${closing}: the identity holds (difference 0.00).`,
      reasons: [],
    },
    totalsByType: [...byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([transactionType, t]) => ({ transactionType, count: t.count, amount: t.amount.toFixed(2) })),
    totalsByAccount: [...byAccount.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, { debit, credit }]) => {
        const [name, type] = ACCOUNT_NAMES[code] as [string, string];
        return { code, name, type, debit: debit.toFixed(2), credit: credit.toFixed(2), net: debit.minus(credit).toFixed(2) };
      }),
    reconciliation: { brokerRecords: lineCount, bookEntries: lineCount, matches: lineCount - Math.floor((lineCount + 1) / 11), matchedBrokerRecords: lineCount - Math.floor((lineCount + 1) / 11), exceptionsByKind: { AMOUNT_MISMATCH: Math.floor((lineCount + 1) / 11) }, rulesVersion: 'v1' },
    exceptions: [
      { kind: 'AMOUNT_MISMATCH', reason: 'books 10.00 differ from broker 10.01 by 0.01, beyond the tolerance of 0', rule: 'reference-1to1@1', brokerReferences: ['100010'], bookEntryIds: ['JE-10'] },
      { kind: 'MISSING_INTERNAL', reason: '-@cmd|calc: a note that looks like a formula', rule: 'reference-1to1@1', brokerReferences: ['100011'], bookEntryIds: [] },
    ],
    positions: [{ dealId: '00018509-0001-54c4-0000-0000803c0ec6', epic: 'GOLD', direction: 'BUY', size: '1', level: '2634.15', currency: 'USD', unrealisedPnl: '-12.40', openedAtUtc: '2025-03-28T14:01:02.000Z' }],
    workingOrders: [{ dealId: '00018509-0001-54c4-0000-0000803c0f01', epic: 'US500', direction: 'SELL', type: 'LIMIT', size: '2', level: '5800.5', currency: 'USD', createdAtUtc: '2025-03-31T09:15:00.000Z' }],
    positionsAt: '2025-04-01T00:02:00.000Z',
    notes: STATEMENT_NOTES,
    audit: { rawInputsSha256: 'a'.repeat(64), chainHead: '0'.repeat(64), codeVersion: '0.1.0' },
    lineCount,
  };
  return {
    statement,
    async *lines() {
      let balance = new Decimal(SAMPLE_OPENING);
      for (let i = 0; i < lineCount; i++) {
        const { line, running: next } = sampleLine(i, balance, lineCount);
        balance = next;
        yield line;
      }
    },
  };
}
