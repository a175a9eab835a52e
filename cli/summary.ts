import type { RollForwardSummary } from '../activities';
import { formatAmount, toDecimal } from '../lib/money';
import type { ReconcileSummary } from '../workflows/reconcile-account-period';

const LABEL = 30;
const AMOUNT = 16;

function line(label: string, amount: string | undefined, note = ''): string {
  const text = amount === undefined ? '—' : formatAmount(toDecimal(amount));
  return `    ${label.padEnd(LABEL)} ${text.padStart(AMOUNT)}${note ? `   ${note}` : ''}`;
}

function snapshotNote(anchor: RollForwardSummary['anchors']['opening']): string {
  if (!anchor) return '';
  return `from the snapshot of ${anchor.snapshotAt}: ${formatAmount(toDecimal(anchor.snapshotCash))}, bridged by ${anchor.bridge.rows} rows netting ${formatAmount(toDecimal(anchor.bridge.net))}`;
}

const VERDICT: Record<RollForwardSummary['status'], string> = {
  PROVEN: 'PROVEN: opening + movements = closing, to the cent',
  DIFFERENCE: 'DIFFERENCE: the broker closing does not equal opening + movements',
  UNPROVEN: 'NOT PROVED',
};

/** The cash roll-forward, line by line, with where each balance came from. */
export function formatRollForward(r: RollForwardSummary): string[] {
  const m = r.movements;
  const byType = (record: Record<string, string>) => Object.entries(record).map(([type, amount]) => line(`  ${type}`, amount));
  return [
    `Cash roll-forward: ${VERDICT[r.status]}`,
    line('opening balance', r.opening, r.openingDerived ? (r.opening ? 'derived: closing − movements (no opening snapshot)' : '') : snapshotNote(r.anchors.opening)),
    line('deposits', m.deposits),
    line('withdrawals', m.withdrawals),
    line('realised P/L (TRADE)', m.realisedPnl),
    line('commissions and fees', m.commissions),
    ...byType(m.commissionsByType),
    line('overnight funding credits', m.overnightFundingCredits),
    line('overnight funding debits', m.overnightFundingDebits),
    line('other types', m.other),
    ...byType(m.otherByType),
    line(`net movement (${r.movementCount} rows)`, r.net),
    ...(r.computedClosing !== undefined ? [line('computed closing', r.computedClosing)] : []),
    line('broker closing balance', r.closing, snapshotNote(r.anchors.closing)),
    ...(r.difference !== undefined ? [line('difference', r.difference)] : []),
    ...r.reasons.map((reason) => `    why not proved: ${reason}`),
  ];
}

function formatStatements(statements: ReconcileSummary['statements']): string[] {
  if (!statements) return [];
  return [
    `Statements in ${statements.dir} (audit chain ${statements.chainHash.slice(0, 16)}…; check with recon verify ${statements.dir}):`,
    ...[...statements.artifacts, statements.trace].map((a) => `    ${a.file.padEnd(44)} sha256 ${a.sha256}`),
  ];
}

/** The run summary as people read it in a terminal. */
export function formatSummary(summary: ReconcileSummary, uiUrl?: string): string {
  const { ingest, ledger, reconciliation: r, crossCheck: x } = summary;
  const kinds = Object.entries({ ...r.exceptionsByKind, ...x.exceptionsByKind });
  if (summary.rollForward.status !== 'PROVEN') kinds.push([summary.rollForward.status === 'DIFFERENCE' ? 'ROLL_FORWARD_DIFFERENCE' : 'ROLL_FORWARD_UNPROVEN', 1]);
  const rows: Array<[string, string]> = [
    ['Run', summary.runId],
    ['Account / period', `${summary.accountId} / ${summary.period} (${summary.timeZone})${summary.dryRun ? ' — dry run, nothing written' : ''}${summary.types ? ` — partial: only ${summary.types.join(', ')}` : ''}`],
    ['Status', summary.status],
    ['Ingested', `${ingest.rows} broker rows and ${ingest.positionRows} activity-feed position rows in ${ingest.windows} windows, ${ingest.bridgeWindows} of them outside the period for the balance proof (${ingest.requests} requests, ${ingest.retries} retries, ${ingest.sessionRenewals} session renewals)`],
    ['Stored', `${ingest.inserted} new, ${ingest.updated} changed, ${ingest.unchanged} unchanged; ${ingest.quarantined} quarantined; ${ingest.possiblyTruncated} possibly truncated windows`],
    ['Ledger', `${ledger.posted} posted with rule set v${ledger.ruleVersions.join(', v')}; ${ledger.quarantined} quarantined (no rule)`],
    ['Matched', `${r.matches} matches between ${r.brokerRecords} broker records and ${r.bookEntries} book entries (rules ${r.rulesVersion})`],
    ['Activity feed', x.skipped ? `not cross-checked: ${x.skipped}` : `${x.paired} of ${x.trades} TRADE rows paired with the ${x.closes} position closes`],
    ['Exceptions', kinds.length === 0 ? 'none' : kinds.map(([kind, count]) => `${count} ${kind}`).join(', ')],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
    ...formatRollForward(summary.rollForward),
    `Digests  ingest ${ingest.digest.slice(0, 16)}…  ledger ${ledger.digest.slice(0, 16)}…  reconciliation ${r.digest.slice(0, 16)}…`,
    ...formatStatements(summary.statements),
    ...(uiUrl ? [`Temporal UI  ${uiUrl}`] : []),
  ].join('\n');
}
