import type { ReconcileSummary } from '../workflows/reconcile-account-period';

/** The run summary as people read it in a terminal. */
export function formatSummary(summary: ReconcileSummary, uiUrl?: string): string {
  const { ingest, ledger, reconciliation: r } = summary;
  const kinds = Object.entries(r.exceptionsByKind);
  const rows: Array<[string, string]> = [
    ['Run', summary.runId],
    ['Account / period', `${summary.accountId} / ${summary.period} (${summary.timeZone})${summary.dryRun ? ' — dry run, nothing written' : ''}`],
    ['Status', summary.status],
    ['Ingested', `${ingest.rows} transactions in ${ingest.windows} windows (${ingest.requests} requests, ${ingest.retries} retries, ${ingest.sessionRenewals} session renewals)`],
    ['Stored', `${ingest.inserted} new, ${ingest.updated} changed, ${ingest.unchanged} unchanged; ${ingest.quarantined} quarantined; ${ingest.possiblyTruncated} possibly truncated windows`],
    ['Ledger', `${ledger.posted} posted with rule set v${ledger.ruleVersions.join(', v')}; ${ledger.quarantined} quarantined (no rule)`],
    ['Matched', `${r.matches} matches between ${r.brokerRecords} broker records and ${r.bookEntries} book entries (rules ${r.rulesVersion})`],
    ['Exceptions', kinds.length === 0 ? 'none' : kinds.map(([kind, count]) => `${count} ${kind}`).join(', ')],
  ];
  const movementRows = Object.entries(r.movements).map(([name, amount]) => `    ${name.padEnd(26)} ${amount.padStart(16)}`);
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
    'Movements by category:',
    ...movementRows,
    `    ${'net'.padEnd(26)} ${r.netMovement.padStart(16)}`,
    `Digests  ingest ${ingest.digest.slice(0, 16)}…  ledger ${ledger.digest.slice(0, 16)}…  reconciliation ${r.digest.slice(0, 16)}…`,
    ...(uiUrl ? [`Temporal UI  ${uiUrl}`] : []),
  ].join('\n');
}
