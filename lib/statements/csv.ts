/**
 * The statement as three CSV files (RFC 4180: comma-separated, `"`-quoted when needed, CRLF line
 * ends, UTF-8, optionally with a BOM for Excel), each with one header row of stable snake_case
 * column names:
 *
 *   <base>-activity.csv    one row per statement line, streamed from `source.lines()`
 *   <base>-totals.csv      statement header, roll-forward and its check, totals by type and by
 *                          account, reconciliation counts, notes and audit, one `section` per part
 *   <base>-exceptions.csv  one row per reconciliation exception, with its reason and rule
 *
 * Every column is one of three kinds. Decimal columns (amounts, balances) are the model's text
 * exactly (`-123.45`, `.` as decimal mark, the currency's scale) and are refused if they are not a
 * plain decimal; integer columns are counts; everything else is free text and is neutralised
 * against formula injection: a spreadsheet would run `=…`, `+…`, `-…`, `@…` (or a leading tab, CR
 * or NUL) as a formula, so such a text cell gets a leading `'`. Numbers are never altered, so a
 * negative amount stays `-123.45`.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { format } from 'fast-csv';
import { writeArtifact, type Artifact } from './artifact';
import type { Statement, StatementException, StatementLine, StatementSource } from './model';
import { ChunkedTextWriter, StatementRenderError, assertDecimal, checkedLines, writeText } from './text';

export interface CsvStatementOptions {
  /** Start each file with a UTF-8 byte-order mark, so Excel opens it as UTF-8 (default: no BOM). */
  bom?: boolean;
}

type CellKind = 'text' | 'decimal' | 'integer';

interface Column<Row> {
  header: string;
  kind: CellKind;
  value: (row: Row) => string | number | undefined;
}

const UTF8_BOM = '\ufeff';
const RFC4180_ROW_DELIMITER = '\r\n';

/**
 * First characters a spreadsheet may treat as the start of a formula: the OWASP list (`=`, `+`,
 * `-`, `@`, tab, CR), NUL, and the full-width `＝＋－＠` some locales also accept.
 */
const FORMULA_START = /^[=+\-@\t\r\0\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A free-text cell made inert: `=SUM(A1)` → `'=SUM(A1)`; anything else unchanged. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export const ACTIVITY_COLUMNS: readonly Column<StatementLine>[] = [
  { header: 'line', kind: 'integer', value: (l) => l.line },
  { header: 'booked_at_utc', kind: 'text', value: (l) => l.bookedAtUtc },
  { header: 'booked_at_local', kind: 'text', value: (l) => l.bookedAtLocal },
  { header: 'reference', kind: 'text', value: (l) => l.reference },
  { header: 'transaction_type', kind: 'text', value: (l) => l.transactionType },
  { header: 'instrument', kind: 'text', value: (l) => l.instrument },
  { header: 'note', kind: 'text', value: (l) => l.note },
  { header: 'amount', kind: 'decimal', value: (l) => l.amount },
  { header: 'currency', kind: 'text', value: (l) => l.currency },
  { header: 'running_balance', kind: 'decimal', value: (l) => l.runningBalance },
  { header: 'debit_account', kind: 'text', value: (l) => l.debitAccount },
  { header: 'credit_account', kind: 'text', value: (l) => l.creditAccount },
  { header: 'match_status', kind: 'text', value: (l) => l.matchStatus },
  { header: 'key', kind: 'text', value: (l) => l.key },
];

/** One row of the totals file; which fields are set depends on the section. */
export interface TotalsRow {
  section: 'statement' | 'roll_forward' | 'roll_forward_check' | 'by_type' | 'by_account' | 'reconciliation' | 'exceptions_by_kind' | 'note' | 'audit';
  item: string;
  accountType?: string;
  level?: number;
  count?: number;
  debit?: string;
  credit?: string;
  amount?: string;
  currency?: string;
  text?: string;
}

export const TOTALS_COLUMNS: readonly Column<TotalsRow>[] = [
  { header: 'section', kind: 'text', value: (r) => r.section },
  { header: 'item', kind: 'text', value: (r) => r.item },
  { header: 'account_type', kind: 'text', value: (r) => r.accountType },
  { header: 'level', kind: 'integer', value: (r) => r.level },
  { header: 'count', kind: 'integer', value: (r) => r.count },
  { header: 'debit', kind: 'decimal', value: (r) => r.debit },
  { header: 'credit', kind: 'decimal', value: (r) => r.credit },
  { header: 'amount', kind: 'decimal', value: (r) => r.amount },
  { header: 'currency', kind: 'text', value: (r) => r.currency },
  { header: 'text', kind: 'text', value: (r) => r.text },
];

export const EXCEPTION_COLUMNS: readonly Column<{ index: number; exception: StatementException }>[] = [
  { header: 'exception', kind: 'integer', value: (r) => r.index },
  { header: 'kind', kind: 'text', value: (r) => r.exception.kind },
  { header: 'rule', kind: 'text', value: (r) => r.exception.rule },
  { header: 'reason', kind: 'text', value: (r) => r.exception.reason },
  // Several references share one cell, separated by a space (the JSON statement keeps the lists).
  { header: 'broker_references', kind: 'text', value: (r) => r.exception.brokerReferences.join(' ') },
  { header: 'book_entry_ids', kind: 'text', value: (r) => r.exception.bookEntryIds.join(' ') },
];

/** Writes `<baseName>-activity.csv`, `-totals.csv` and `-exceptions.csv`, in that order. */
export async function writeCsvStatement(source: StatementSource, dir: string, baseName: string, options: CsvStatementOptions = {}): Promise<Artifact[]> {
  const { statement } = source;
  const exceptions = statement.exceptions.map((exception, i) => ({ index: i + 1, exception }));
  return [
    await writeCsvFile(dir, `${baseName}-activity.csv`, ACTIVITY_COLUMNS, checkedLines(source), options),
    await writeCsvFile(dir, `${baseName}-totals.csv`, TOTALS_COLUMNS, totalsRows(statement), options),
    await writeCsvFile(dir, `${baseName}-exceptions.csv`, EXCEPTION_COLUMNS, exceptions, options),
  ];
}

async function writeCsvFile<Row>(dir: string, file: string, columns: readonly Column<Row>[], rows: AsyncIterable<Row> | Iterable<Row>, options: CsvStatementOptions): Promise<Artifact> {
  return writeArtifact(dir, file, async (out) => {
    // Written here rather than with fast-csv's `writeBOM`, which skips it when no data row follows the header.
    if (options.bom === true) await writeText(out, UTF8_BOM);
    const formatter = format({ headers: columns.map((c) => c.header), alwaysWriteHeaders: true, rowDelimiter: RFC4180_ROW_DELIMITER, includeEndRowDelimiter: true });
    formatter.setEncoding('utf8');
    const sink = new ChunkedTextWriter(out);
    // The last stage consumes the CSV text itself, so a failure rejects here instead of destroying `out`.
    await pipeline(Readable.from(cellRows(file, columns, rows)), formatter, async (chunks: AsyncIterable<string>) => {
      for await (const chunk of chunks) await sink.write(chunk);
      await sink.flush();
    });
  });
}

async function* cellRows<Row>(file: string, columns: readonly Column<Row>[], rows: AsyncIterable<Row> | Iterable<Row>): AsyncGenerator<string[]> {
  let rowNumber = 0;
  for await (const row of rows) {
    rowNumber += 1;
    yield columns.map((column) => cell(column, column.value(row), `${file} row ${rowNumber} ${column.header}`));
  }
}

function cell<Row>(column: Column<Row>, value: string | number | undefined, where: string): string {
  if (value === undefined) return '';
  switch (column.kind) {
    case 'text':
      return neutraliseFormula(String(value));
    case 'decimal':
      return value === '' ? '' : assertDecimal(String(value), where);
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new StatementRenderError(`${where} is not an integer: '${String(value)}'`);
      return String(value);
  }
}

/** The totals file's rows, in print order: header, roll-forward and its check, totals, reconciliation, notes, audit. */
export function totalsRows(statement: Statement): TotalsRow[] {
  const { header, rollForward: rf, reconciliation: rec, audit } = statement;
  const currency = header.baseCurrency;
  const field = (item: string, text: string): TotalsRow => ({ section: 'statement', item, text });
  return [
    field('legal_entity', header.legalEntity),
    field('broker', header.broker),
    field('broker_account_id', header.brokerAccountId),
    field('internal_account_code', header.internalAccount.code),
    field('internal_account_name', header.internalAccount.name),
    field('base_currency', header.baseCurrency),
    { section: 'statement', item: 'scale', count: header.scale },
    field('period', header.period),
    field('period_start', header.periodStart),
    field('period_end', header.periodEnd),
    field('time_zone', header.timeZone),
    field('cut_off_rule', header.cutOffRule),
    field('generated_at', header.generatedAt),
    field('run_id', header.runId),
    field('workflow_id', header.workflowId),
    field('temporal_run_id', header.temporalRunId),
    field('code_version', header.codeVersion),
    { section: 'statement', item: 'line_count', count: statement.lineCount },

    ...rf.lines.map((line): TotalsRow => ({ section: 'roll_forward', item: line.label, level: line.level, amount: line.amount, currency })),
    { section: 'roll_forward_check', item: 'opening', amount: rf.opening, currency, text: rf.openingSource },
    { section: 'roll_forward_check', item: 'computed_closing', amount: rf.computedClosing, currency },
    { section: 'roll_forward_check', item: 'broker_closing', amount: rf.closing, currency, text: rf.closingSource },
    { section: 'roll_forward_check', item: 'difference', amount: rf.difference, currency },
    { section: 'roll_forward_check', item: 'status', text: rf.status },
    { section: 'roll_forward_check', item: 'verdict', text: rf.verdict },
    ...rf.reasons.map((reason): TotalsRow => ({ section: 'roll_forward_check', item: 'reason', text: reason })),

    ...statement.totalsByType.map((t): TotalsRow => ({ section: 'by_type', item: t.transactionType, count: t.count, amount: t.amount, currency })),
    ...statement.totalsByAccount.map((a): TotalsRow => ({ section: 'by_account', item: a.code, accountType: a.type, debit: a.debit, credit: a.credit, amount: a.net, currency, text: a.name })),

    { section: 'reconciliation', item: 'broker_records', count: rec.brokerRecords },
    { section: 'reconciliation', item: 'book_entries', count: rec.bookEntries },
    { section: 'reconciliation', item: 'matches', count: rec.matches },
    { section: 'reconciliation', item: 'matched_broker_records', count: rec.matchedBrokerRecords },
    { section: 'reconciliation', item: 'rules_version', text: rec.rulesVersion },
    ...Object.keys(rec.exceptionsByKind)
      .sort()
      .map((kind): TotalsRow => ({ section: 'exceptions_by_kind', item: kind, count: rec.exceptionsByKind[kind] })),

    ...statement.notes.map((note): TotalsRow => ({ section: 'note', item: note.title, text: note.text })),

    { section: 'audit', item: 'raw_inputs_sha256', text: audit.rawInputsSha256 },
    { section: 'audit', item: 'chain_head', text: audit.chainHead },
    { section: 'audit', item: 'code_version', text: audit.codeVersion },
  ];
}
