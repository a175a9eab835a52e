/**
 * The statement as an Excel workbook, written with exceljs's streaming writer so memory stays flat
 * however many activity lines there are: rows are committed as they are produced and the zip
 * compresses them on the way to the file.
 *
 * Sheets: Summary (header, cash roll-forward, reconciliation counts, notes, audit), Activity (one
 * row per line), Totals (by transaction type and by ledger account), Exceptions, Positions and
 * Working orders (at period end, when the run captured them).
 *
 * Cells are typed: amounts are numbers shown with their own decimals (the currency's scale, or
 * more when the broker reported more), instants are Excel dates (UTC) with the local time beside
 * them as text. Excel stores numbers as IEEE doubles and shows 15
 * significant digits; a decimal of at most 15 significant digits converts to a double and back
 * exactly, so `excelNumber` accepts those and throws on anything longer rather than round it.
 *
 * The same statement gives the same bytes: workbook dates are the statement's `generatedAt`, and
 * so is every zip entry's timestamp (see `pinZipEntryDates`).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stream as excelStream, type Alignment, type Font, type Row, type Worksheet } from 'exceljs';
import { toDecimal } from '../money';
import { type Artifact, writeArtifact } from './artifact';
import type { Statement, StatementLine, StatementSource } from './model';

type WorkbookWriter = InstanceType<typeof excelStream.xlsx.WorkbookWriter>;

export interface XlsxStatementOptions {
  /** Activity rows written between two waits for the compressor to catch up (memory bound). */
  rowsPerFlush?: number;
}

/** Excel shows and keeps 15 significant digits; beyond that a double no longer holds the decimal. */
export const EXCEL_SIGNIFICANT_DIGITS_MAX = 15;
const ROWS_PER_FLUSH_DEFAULT = 1_000;
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
const COUNT_FORMAT = '#,##0';
const BOLD: Partial<Font> = { bold: true };
const HEADING: Partial<Font> = { bold: true, size: 12 };
const TITLE: Partial<Font> = { bold: true, size: 14 };
const WRAP: Partial<Alignment> = { wrapText: true, vertical: 'top' };
const INDENT: Partial<Alignment> = { indent: 2 };
const TOP: Partial<Alignment> = { vertical: 'top' };

export class XlsxAmountError extends Error {
  override name = 'XlsxAmountError';
}

/** `#,##0.00;-#,##0.00` for scale 2: the amount's own decimals, thousands grouped. */
export function amountFormat(scale: number): string {
  if (!Number.isInteger(scale) || scale < 0 || scale > 18) throw new XlsxAmountError(`invalid scale ${scale}`);
  const positive = scale === 0 ? '#,##0' : `#,##0.${'0'.repeat(scale)}`;
  return `${positive};-${positive}`;
}

/**
 * The cell value for a decimal string: a JS number, only when it holds the decimal exactly (at
 * most 15 significant digits). Throws otherwise: a statement must not show a rounded amount.
 */
export function excelNumber(text: string): number {
  const value = toDecimal(text);
  const digits = value.isZero() ? 1 : value.precision(false);
  if (digits > EXCEL_SIGNIFICANT_DIGITS_MAX) {
    throw new XlsxAmountError(`${text} has ${digits} significant digits; Excel holds ${EXCEL_SIGNIFICANT_DIGITS_MAX} exactly, so it cannot be written as a number without rounding`);
  }
  const number = value.toNumber();
  if (!toDecimal(number).eq(value)) throw new XlsxAmountError(`${text} does not round-trip through a double`);
  return number === 0 ? 0 : number; // no negative zero
}

/** An ISO 8601 instant as a Date (Excel dates are written from the UTC instant). */
function excelDate(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not an ISO 8601 instant: '${iso}'`);
  return date;
}

/** Decimals written in a decimal string ("2634.15" → 2). */
function decimalsOf(text: string): number {
  const point = text.indexOf('.');
  return point < 0 ? 0 : text.length - point - 1;
}

/**
 * The format that shows an amount exactly: its own decimals. Amounts come at least at the
 * currency's scale (`#,##0.00;-#,##0.00` for USD), with more decimals only when the broker
 * reported more — shown, not rounded away.
 */
export function exactFormat(text: string): string {
  return amountFormat(decimalsOf(text.trim()));
}

export async function writeXlsxStatement(source: StatementSource, dir: string, baseName: string, options: XlsxStatementOptions = {}): Promise<Artifact> {
  return writeArtifact(dir, `${baseName}.xlsx`, (out) => renderXlsxStatement(source, out, options));
}

/** Writes the workbook to `out`; the zip ends `out` after its central directory. */
export async function renderXlsxStatement(source: StatementSource, out: Writable, options: XlsxStatementOptions = {}): Promise<void> {
  const { statement } = source;
  const rowsPerFlush = options.rowsPerFlush ?? ROWS_PER_FLUSH_DEFAULT;
  if (!Number.isInteger(rowsPerFlush) || rowsPerFlush < 1) throw new RangeError(`rowsPerFlush must be a positive integer, got ${rowsPerFlush}`);
  const generatedAt = excelDate(statement.header.generatedAt);

  const workbook = new ReproducibleWorkbookWriter(out, generatedAt);
  workbook.creator = 'capital-recon';
  workbook.lastModifiedBy = 'capital-recon';
  workbook.title = statementTitle(statement);
  workbook.company = statement.header.legalEntity;

  try {
    // Sheets are written one after the other: each is a zip entry, and the zip takes them in order.
    writeSummarySheet(workbook.addWorksheet('Summary'), statement);
    await writeActivitySheet(workbook, statement, source.lines(), rowsPerFlush);
    writeTotalsSheet(workbook, statement);
    writeExceptionsSheet(workbook, statement);
    writePositionsSheet(workbook, statement);
    writeWorkingOrdersSheet(workbook, statement);
    await workbook.commit();
  } catch (error) {
    workbook.abandon(out);
    throw error;
  }
  workbook.assertZipEntriesPinned();
}

export function statementTitle(statement: Statement): string {
  const h = statement.header;
  return `Statement ${h.period} – ${h.legalEntity} – ${h.broker} account ${h.brokerAccountId}`;
}

// ---------------------------------------------------------------------------------------------
// Determinism of the zip container

interface ArchiverEntryData {
  name?: string;
  date?: Date | string | null;
}

/** What this file relies on inside exceljs 4.4's WorkbookWriter (not in its typings). */
interface WorkbookWriterInternals {
  created: Date;
  zip: {
    append(source: unknown, data: ArchiverEntryData): unknown;
    on(event: 'entry', listener: (data: ArchiverEntryData) => void): unknown;
    unpipe(destination: Writable): unknown;
    abort(): unknown;
  };
}

interface ZipDatePin {
  assertAllPinned(): void;
}

const zipDatePins = new WeakMap<object, ZipDatePin>();

/**
 * exceljs appends every part of the workbook to an `archiver` zip without a `date`, and archiver
 * then stamps each entry with `new Date()` (zip-stream stores it as a DOS time, UTC unless
 * `forceLocalTime`). Archiver has no archive-wide date option; its only knob is the `date` of each
 * `append`. So this writer wraps its zip's `append` to pass `created` as every entry's date.
 *
 * The wrap must be in place before the first part is appended, and the WorkbookWriter constructor
 * itself appends two (`addThemes`, `addOfficeRels`, both public and typed) right after creating the
 * zip: overriding them is the first moment the zip exists. Every entry written is checked against
 * the date (`assertAllPinned`), so an exceljs that appends some other way fails loudly instead of
 * silently producing different bytes. No post-processing: the zip streams straight to the file.
 */
class ReproducibleWorkbookWriter extends excelStream.xlsx.WorkbookWriter {
  constructor(out: Writable, date: Date) {
    // `created` is read by the constructor (and later written to docProps/core.xml); the typings omit it.
    super({ stream: out, useStyles: true, useSharedStrings: false, created: date } as ConstructorParameters<typeof excelStream.xlsx.WorkbookWriter>[0]);
    this.created = date;
    this.modified = date;
    this.lastPrinted = date;
  }

  override addThemes(): Promise<void> {
    pinZipEntryDates(this);
    return super.addThemes();
  }

  override addOfficeRels(): Promise<void> {
    pinZipEntryDates(this);
    return super.addOfficeRels();
  }

  /** Stops the zip writing to `out` (the caller ends it and discards the partial file). */
  abandon(out: Writable): void {
    const { zip } = this as unknown as WorkbookWriterInternals;
    zip.unpipe(out);
    zip.abort();
  }

  assertZipEntriesPinned(): void {
    const pin = zipDatePins.get(this);
    if (!pin) throw new Error('xlsx zip entry dates were never pinned');
    pin.assertAllPinned();
  }
}

function pinZipEntryDates(workbook: object): void {
  if (zipDatePins.has(workbook)) return;
  const { zip, created } = workbook as WorkbookWriterInternals;
  if (typeof zip?.append !== 'function' || typeof zip.on !== 'function') throw new Error('exceljs WorkbookWriter has no archiver zip yet: cannot fix the zip entry dates');
  if (!(created instanceof Date) || Number.isNaN(created.getTime())) throw new Error('exceljs WorkbookWriter has no creation date to stamp the zip entries with');
  const date = new Date(created.getTime());
  const append = zip.append.bind(zip);
  zip.append = (source, data) => append(source, { ...data, date });
  const unpinned: string[] = [];
  let written = 0;
  zip.on('entry', (data) => {
    written++;
    if (!(data.date instanceof Date) || data.date.getTime() !== date.getTime()) unpinned.push(data.name ?? '?');
  });
  zipDatePins.set(workbook, {
    assertAllPinned() {
      if (written === 0 || unpinned.length > 0) throw new Error(`xlsx zip entries stamped with a time other than generatedAt: ${unpinned.join(', ') || '(no entries seen)'}`);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Sheets

type Cell = string | number | Date | null;

function addRow(sheet: Worksheet, values: Cell[], style: { font?: Partial<Font>; alignment?: Partial<Alignment>; formats?: Array<string | undefined> } = {}): Row {
  const row = sheet.addRow(values);
  values.forEach((_, i) => {
    const cell = row.getCell(i + 1);
    if (style.font) cell.font = style.font;
    if (style.alignment) cell.alignment = style.alignment;
    const format = style.formats?.[i];
    if (format) cell.numFmt = format;
  });
  row.commit();
  return row;
}

function blankRow(sheet: Worksheet): void {
  sheet.addRow([]).commit();
}

/** Header, cash roll-forward with its verdict, reconciliation counts, notes and audit. */
function writeSummarySheet(sheet: Worksheet, statement: Statement): void {
  const { header: h, rollForward: rf, reconciliation: rec, audit } = statement;
  sheet.columns = [{ width: 34 }, { width: 100 }];
  const field = (label: string, value: Cell, format?: string) => addRow(sheet, [label, value], { alignment: TOP, formats: [undefined, format] });
  const text = (label: string, value: string) => addRow(sheet, [label, value], { alignment: WRAP });

  addRow(sheet, [statementTitle(statement)], { font: TITLE });
  blankRow(sheet);
  addRow(sheet, ['Statement details'], { font: HEADING });
  field('Legal entity', h.legalEntity);
  field('Broker', h.broker);
  field('Broker account id', h.brokerAccountId);
  field('Internal account', `${h.internalAccount.code} ${h.internalAccount.name}`);
  field('Base currency', h.baseCurrency);
  field('Period', h.period);
  field('Period start (inclusive)', h.periodStart);
  field('Period end (exclusive)', h.periodEnd);
  field('Time zone', h.timeZone);
  text('Cut-off rule', h.cutOffRule);
  field('Generated at (UTC)', excelDate(h.generatedAt), DATE_FORMAT);
  field('Run id', h.runId);
  field('Temporal workflow id', h.workflowId);
  field('Temporal run id', h.temporalRunId);
  field('Code version', h.codeVersion);

  blankRow(sheet);
  addRow(sheet, [`Cash roll-forward (${h.baseCurrency})`], { font: HEADING });
  for (const line of rf.lines) {
    const row = sheet.addRow([line.label, excelNumber(line.amount)]);
    row.getCell(2).numFmt = exactFormat(line.amount);
    if (line.level === 1) row.getCell(1).alignment = INDENT;
    if (line.level === 0 && (line === rf.lines[0] || line === rf.lines[rf.lines.length - 1])) row.font = BOLD;
    row.commit();
  }
  field('Opening balance source', rf.openingSource);
  const amountField = (label: string, amount: string | undefined) => (amount === undefined ? field(label, 'not available') : field(label, excelNumber(amount), exactFormat(amount)));
  amountField('Computed closing balance', rf.computedClosing);
  amountField('Broker closing balance', rf.closing);
  field('Closing balance source', rf.closingSource ?? 'none');
  amountField('Roll-forward difference', rf.difference);
  addRow(sheet, ['Status', rf.status], { font: BOLD });
  addRow(sheet, ['Verdict', rf.verdict], { font: BOLD, alignment: WRAP });
  for (const reason of rf.reasons) text('Reason', reason);

  blankRow(sheet);
  addRow(sheet, ['Reconciliation'], { font: HEADING });
  field('Broker records', rec.brokerRecords, COUNT_FORMAT);
  field('Book entries', rec.bookEntries, COUNT_FORMAT);
  field('Matches', rec.matches, COUNT_FORMAT);
  field('Matched broker records', rec.matchedBrokerRecords, COUNT_FORMAT);
  for (const [kind, count] of Object.entries(rec.exceptionsByKind).sort(([a], [b]) => a.localeCompare(b))) field(`Exceptions: ${kind}`, count, COUNT_FORMAT);
  field('Exceptions listed (sheet Exceptions)', statement.exceptions.length, COUNT_FORMAT);
  field('Matching rules version', rec.rulesVersion);
  field('Open positions at period end (sheet Positions)', statement.positions === undefined ? 'not captured' : statement.positions.length, COUNT_FORMAT);
  field('Working orders at period end (sheet Working orders)', statement.workingOrders === undefined ? 'not captured' : statement.workingOrders.length, COUNT_FORMAT);
  field('Activity lines (sheet Activity)', statement.lineCount, COUNT_FORMAT);

  blankRow(sheet);
  addRow(sheet, ['Notes'], { font: HEADING });
  for (const note of statement.notes) text(note.title, note.text);

  blankRow(sheet);
  addRow(sheet, ['Audit'], { font: HEADING });
  field('Raw inputs SHA-256', audit.rawInputsSha256);
  field('Hash-chain head', audit.chainHead);
  field('Code version', audit.codeVersion);
  sheet.commit();
}

/** A data sheet: bold header row, frozen, with the given column widths and column formats. */
function addDataSheet(workbook: WorkbookWriter, name: string, columns: Array<{ header: string; width: number; numFmt?: string }>): Worksheet {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
  const header = sheet.addRow(columns.map((c) => c.header));
  header.font = BOLD;
  header.commit();
  return sheet;
}

const ACTIVITY_COLUMNS = (currency: string, money: string) => [
  { header: 'Line', width: 8, numFmt: '0' },
  { header: 'Booked at (UTC)', width: 20, numFmt: DATE_FORMAT },
  { header: 'Booked at (local)', width: 30 },
  { header: 'Reference', width: 14 },
  { header: 'Type', width: 20 },
  { header: 'Instrument', width: 14 },
  { header: 'Note', width: 36 },
  { header: `Amount`, width: 16, numFmt: money },
  { header: 'Currency', width: 9 },
  { header: `Running balance (${currency})`, width: 22, numFmt: money },
  { header: 'Debit account', width: 13 },
  { header: 'Credit account', width: 13 },
  { header: 'Match status', width: 13 },
  { header: 'Key', width: 44 },
];

function activityRow(line: StatementLine): Cell[] {
  return [
    line.line,
    excelDate(line.bookedAtUtc),
    line.bookedAtLocal,
    line.reference,
    line.transactionType,
    line.instrument,
    line.note,
    excelNumber(line.amount),
    line.currency,
    excelNumber(line.runningBalance),
    line.debitAccount,
    line.creditAccount,
    line.matchStatus,
    line.key,
  ];
}

async function writeActivitySheet(
  workbook: WorkbookWriter,
  statement: Statement,
  lines: AsyncIterable<StatementLine>,
  rowsPerFlush: number,
): Promise<void> {
  const { scale } = statement.header;
  const sheet = addDataSheet(workbook, 'Activity', ACTIVITY_COLUMNS(statement.header.baseCurrency, amountFormat(scale)));
  let written = 0;
  for await (const line of lines) {
    written++;
    if (written > statement.lineCount) throw new Error(`the statement has ${statement.lineCount} lines but its line stream yields more`);
    const row = sheet.addRow(activityRow(line));
    // The columns show the currency's scale; an amount with other decimals gets its own format.
    if (decimalsOf(line.amount) !== scale) row.getCell(8).numFmt = exactFormat(line.amount);
    if (decimalsOf(line.runningBalance) !== scale) row.getCell(10).numFmt = exactFormat(line.runningBalance);
    row.commit();
    if (written % rowsPerFlush === 0) await untilCompressorCatchesUp(sheet);
  }
  if (written !== statement.lineCount) throw new Error(`the statement has ${statement.lineCount} lines but its line stream yielded ${written}`);
  sheet.commit();
}

/**
 * exceljs writes committed rows into the zip without looking at backpressure: each sheet's buffer
 * is piped into a PassThrough (archiver's, from readable-stream 2, hence `_writableState`) whose
 * writes are never refused, while the zip compresses and writes on later turns of the event loop.
 * Waiting here, every `rowsPerFlush` rows, until that PassThrough has drained keeps the memory
 * bounded by one batch of rows however long the sheet is.
 */
async function untilCompressorCatchesUp(sheet: Worksheet): Promise<void> {
  const sinks = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  if (!Array.isArray(sinks)) throw new Error('exceljs worksheet stream has no pipes: cannot bound the memory of the Activity sheet');
  for (const sink of sinks as StreamWithState[]) {
    if (needsDrain(sink)) await once(sink, 'drain');
  }
}

interface StreamWithState extends NodeJS.EventEmitter {
  writableNeedDrain?: boolean;
  _writableState?: { needDrain?: boolean };
}

function needsDrain(sink: StreamWithState): boolean {
  if (typeof sink.writableNeedDrain === 'boolean') return sink.writableNeedDrain;
  return sink._writableState?.needDrain === true;
}

function writeTotalsSheet(workbook: WorkbookWriter, statement: Statement): void {
  const money = amountFormat(statement.header.scale);
  const currency = statement.header.baseCurrency;
  // Two tables side by side, so each column holds one kind of value and one header row is frozen.
  const sheet = addDataSheet(workbook, 'Totals', [
    { header: 'Transaction type', width: 22 },
    { header: 'Count', width: 10, numFmt: COUNT_FORMAT },
    { header: `Amount (${currency})`, width: 18, numFmt: money },
    { header: '', width: 4 },
    { header: 'Account', width: 10 },
    { header: 'Account name', width: 32 },
    { header: 'Account type', width: 14 },
    { header: `Debit (${currency})`, width: 18, numFmt: money },
    { header: `Credit (${currency})`, width: 18, numFmt: money },
    { header: `Net (${currency})`, width: 18, numFmt: money },
  ]);
  const rows = Math.max(statement.totalsByType.length, statement.totalsByAccount.length);
  for (let i = 0; i < rows; i++) {
    const type = statement.totalsByType[i];
    const account = statement.totalsByAccount[i];
    addRow(
      sheet,
      [
        ...(type ? [type.transactionType, type.count, excelNumber(type.amount)] : [null, null, null]),
        null,
        ...(account ? [account.code, account.name, account.type, excelNumber(account.debit), excelNumber(account.credit), excelNumber(account.net)] : []),
      ],
      {
        formats: [
          undefined,
          undefined,
          type && exactFormat(type.amount),
          undefined,
          undefined,
          undefined,
          undefined,
          account && exactFormat(account.debit),
          account && exactFormat(account.credit),
          account && exactFormat(account.net),
        ],
      },
    );
  }
  sheet.commit();
}

function writeExceptionsSheet(workbook: WorkbookWriter, statement: Statement): void {
  const sheet = addDataSheet(workbook, 'Exceptions', [
    { header: 'Kind', width: 22 },
    { header: 'Reason', width: 70 },
    { header: 'Rule', width: 22 },
    { header: 'Broker references', width: 28 },
    { header: 'Book entry ids', width: 28 },
  ]);
  if (statement.exceptions.length === 0) addRow(sheet, ['None: every broker record and book entry matched.']);
  for (const e of statement.exceptions) {
    addRow(sheet, [e.kind, e.reason, e.rule, e.brokerReferences.join(', '), e.bookEntryIds.join(', ')], { alignment: WRAP });
  }
  sheet.commit();
}

function writePositionsSheet(workbook: WorkbookWriter, statement: Statement): void {
  const money = amountFormat(statement.header.scale);
  const sheet = addDataSheet(workbook, 'Positions', [
    { header: 'Deal id', width: 40 },
    { header: 'Instrument', width: 14 },
    { header: 'Direction', width: 10 },
    { header: 'Size', width: 12 },
    { header: 'Level', width: 14 },
    { header: 'Currency', width: 9 },
    { header: 'Unrealised P/L', width: 16, numFmt: money },
    { header: 'Opened at (UTC)', width: 20, numFmt: DATE_FORMAT },
  ]);
  if (statement.positions === undefined) addRow(sheet, ['Not captured by this run.']);
  else if (statement.positions.length === 0) addRow(sheet, ['No open positions at period end.']);
  for (const p of statement.positions ?? []) {
    addRow(sheet, [p.dealId, p.epic, p.direction, excelNumber(p.size), excelNumber(p.level), p.currency, excelNumber(p.unrealisedPnl), excelDate(p.openedAtUtc)], {
      formats: [undefined, undefined, undefined, exactFormat(p.size), exactFormat(p.level), undefined, exactFormat(p.unrealisedPnl)],
    });
  }
  sheet.commit();
}

function writeWorkingOrdersSheet(workbook: WorkbookWriter, statement: Statement): void {
  const sheet = addDataSheet(workbook, 'Working orders', [
    { header: 'Deal id', width: 40 },
    { header: 'Instrument', width: 14 },
    { header: 'Direction', width: 10 },
    { header: 'Order type', width: 12 },
    { header: 'Size', width: 12 },
    { header: 'Level', width: 14 },
    { header: 'Currency', width: 9 },
    { header: 'Created at (UTC)', width: 20, numFmt: DATE_FORMAT },
  ]);
  if (statement.workingOrders === undefined) addRow(sheet, ['Not captured by this run.']);
  else if (statement.workingOrders.length === 0) addRow(sheet, ['No working orders at period end.']);
  for (const o of statement.workingOrders ?? []) {
    addRow(sheet, [o.dealId, o.epic, o.direction, o.type, excelNumber(o.size), excelNumber(o.level), o.currency, excelDate(o.createdAtUtc)], {
      formats: [undefined, undefined, undefined, undefined, exactFormat(o.size), exactFormat(o.level)],
    });
  }
  sheet.commit();
}
