/**
 * Where everything goes on the PDF statement's pages, decided before anything is drawn, so the
 * writer knows the page count ("page N of M") while it streams the pages out one at a time.
 *
 * Pure: text widths come from a `TextMeasure` (the writer passes pdfkit's metrics for the built-in
 * Helvetica fonts). The layout is deterministic: every row of the activity table has one fixed
 * height and every activity page holds `ACTIVITY_ROWS_PER_PAGE` rows, so the activity section takes
 * `activityPageCount(lineCount)` pages whatever the lines say; the other sections (title block,
 * roll-forward, totals, reconciliation, positions, notes, audit) are small, in memory, and laid out
 * here in full. Paragraphs (notes, verdict, reasons) flow over as many lines and pages as they
 * need; a wrapped table cell is cut at `CELL_LINES_MAX` lines (ending in "…") so that no table row
 * outgrows a page — the CSV, JSON and XLSX statements carry the whole text.
 *
 * Page order: front sections, then the activity detail (from a fresh page), then notes and audit
 * (from a fresh page).
 */
import type { Statement, StatementLine } from './model';

// ---------------------------------------------------------------------------------------------
// Geometry (points; A4 landscape so the activity table's thirteen columns fit)

export const PAGE_WIDTH = 841.89;
export const PAGE_HEIGHT = 595.28;
const MARGIN_X = 28;
const CONTENT_LEFT = MARGIN_X;
const CONTENT_RIGHT = PAGE_WIDTH - MARGIN_X;
const CONTENT_WIDTH = CONTENT_RIGHT - CONTENT_LEFT;
const RUNNING_HEADER_Y = 18;
const RUNNING_RULE_Y = 30;
const BODY_TOP = 42;
const FOOTER_RULE_Y = PAGE_HEIGHT - 30;
const FOOTER_TEXT_Y = PAGE_HEIGHT - 24;
const BODY_BOTTOM = FOOTER_RULE_Y - 6;

const BODY_SIZE = 8.5;
const BODY_LINE = 11;
const SMALL_SIZE = 7;
const CELL_PAD_Y = 2.5;
const CELL_PAD_X = 4;
/** A wrapped cell in the fixed sections shows at most this many lines, the last ending in "…". */
export const CELL_LINES_MAX = 12;

const ACTIVITY_SIZE = 7;
const ACTIVITY_ROW_HEIGHT = 10.5;
const ACTIVITY_TITLE_Y = BODY_TOP;
const ACTIVITY_HEADER_Y = BODY_TOP + 20;
const ACTIVITY_HEADER_HEIGHT = 13;
const ACTIVITY_FIRST_ROW_Y = ACTIVITY_HEADER_Y + ACTIVITY_HEADER_HEIGHT;
/** Rows on every activity page (the opening and closing balance rows count as rows). */
export const ACTIVITY_ROWS_PER_PAGE = Math.floor((BODY_BOTTOM - ACTIVITY_FIRST_ROW_Y) / ACTIVITY_ROW_HEIGHT);

const COLOR = {
  text: '#1a1a1a',
  muted: '#5b6470',
  rule: '#9aa5b1',
  headerFill: '#e6ebf1',
  zebraFill: '#f5f7f9',
  proven: '#1b6e35',
  difference: '#b3261e',
  unproven: '#8a5a00',
} as const;

// ---------------------------------------------------------------------------------------------
// Drawing operations: the plan the writer executes

export type FontKey = 'regular' | 'bold' | 'italic';

export interface TextOp {
  kind: 'text';
  /** Left edge of the text (right-aligned text is placed by its measured width). */
  x: number;
  /** Top of the line box. */
  y: number;
  text: string;
  font: FontKey;
  size: number;
  color: string;
}

export interface RuleOp {
  kind: 'rule';
  x: number;
  y: number;
  width: number;
  weight: number;
  color: string;
}

export interface FillOp {
  kind: 'fill';
  x: number;
  y: number;
  width: number;
  height: number;
  color: string;
}

export type DrawOp = TextOp | RuleOp | FillOp;

export interface TextMeasure {
  /** Width in points of `text` (already WinAnsi-safe) in `font` at `size`. */
  width(text: string, font: FontKey, size: number): number;
}

export interface StatementPlan {
  /** Title block, roll-forward, totals, reconciliation and exceptions, positions, working orders. */
  front: DrawOp[][];
  activityPages: number;
  /** Notes and audit. */
  back: DrawOp[][];
  pageCount: number;
}

/** Pages the activity table takes: the lines plus an opening and a closing balance row. */
export function activityPageCount(lineCount: number): number {
  if (!Number.isInteger(lineCount) || lineCount < 0) throw new RangeError(`lineCount must be a non-negative integer, got ${lineCount}`);
  return Math.max(1, Math.ceil((lineCount + 2) / ACTIVITY_ROWS_PER_PAGE));
}

export function planStatement(statement: Statement, measure: TextMeasure): StatementPlan {
  const front = layoutFront(statement, measure);
  const back = layoutBack(statement, measure);
  const activityPages = activityPageCount(statement.lineCount);
  return { front, activityPages, back, pageCount: front.length + activityPages + back.length };
}

// ---------------------------------------------------------------------------------------------
// Text: WinAnsi-safe, formatted, wrapped and cut to width

/** Code points beyond Latin-1 that WinAnsiEncoding (the built-in fonts' encoding) still has. */
const WIN_ANSI_EXTRA = new Set([402, 8211, 8212, 8216, 8217, 8218, 8220, 8221, 8222, 8224, 8225, 8226, 8230, 8364, 8240, 8249, 8250, 710, 8482, 338, 339, 732, 352, 353, 376, 381, 382]);
const LOOKALIKE: Record<number, string> = { 0x2212: '-', 0x2010: '-', 0x2011: '-', 0x2012: '-', 0x2009: ' ', 0x202f: ' ', 0x2032: "'", 0x2033: '"' };

/**
 * The text as the built-in Helvetica can draw it: characters outside WinAnsiEncoding become a
 * look-alike (a minus sign becomes a hyphen) or "?", control characters a space. The CSV, JSON and
 * XLSX statements keep the original text.
 */
export function winAnsi(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0x3f;
    if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(code)) out += char;
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += ' ';
    else out += LOOKALIKE[code] ?? '?';
  }
  return out;
}

const DECIMAL = /^(-?)(\d+)(\.\d+)?$/;

/** "-1234.50" → "-1,234.50": grouping only, the decimals exactly as given. */
export function formatAmount(text: string): string {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal amount: '${text}'`);
  const [, sign, whole, fraction] = match as unknown as [string, string, string, string | undefined];
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction ?? ''}`;
}

export function formatCount(count: number): string {
  return formatAmount(String(count));
}

const INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** "2025-03-01T00:01:37.000+00:00" → "2025-03-01 00:01:37 +00:00" ("Z" → "UTC"; non-zero ms kept). */
export function formatInstant(iso: string): string {
  const match = INSTANT.exec(iso);
  if (!match) return iso;
  const [, date, time, fraction, zone] = match as unknown as [string, string, string, string | undefined, string];
  const ms = fraction && /[1-9]/.test(fraction) ? fraction : '';
  return `${date} ${time}${ms} ${zone === 'Z' ? 'UTC' : zone}`;
}

/** The same instant without its zone, for a column whose header names the zone. */
function formatInstantBare(iso: string): string {
  const text = formatInstant(iso);
  return text.endsWith(' UTC') ? text.slice(0, -4) : text;
}

/** Local wall-clock time to the minute with its offset: for reading; the UTC column is exact. */
function formatLocalMinute(iso: string): string {
  const match = INSTANT.exec(iso);
  if (!match) return iso;
  const [, date, time, , zone] = match as unknown as [string, string, string, string | undefined, string];
  return `${date} ${time.slice(0, 5)} ${zone === 'Z' ? 'UTC' : zone}`;
}

/** Widest Helvetica glyph (`@`) is 1.015 em: shorter strings surely fit without measuring. */
const EM_MAX = 1.02;

/** The text cut to `width`, ending in "…" when it was cut. */
export function fitText(text: string, width: number, font: FontKey, size: number, measure: TextMeasure): string {
  if (text.length * size * EM_MAX <= width || measure.width(text, font, size) <= width) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (measure.width(`${text.slice(0, mid).trimEnd()}…`, font, size) <= width) low = mid;
    else high = mid - 1;
  }
  return `${text.slice(0, low).trimEnd()}…`;
}

/** Greedy word wrap to `width`; words longer than a line are broken; at most `maxLines` lines. */
export function wrapText(text: string, width: number, font: FontKey, size: number, measure: TextMeasure, maxLines = CELL_LINES_MAX): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (measure.width(candidate, font, size) <= width) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = word;
      while (measure.width(line, font, size) > width && line.length > 1) {
        const head = longestPrefix(line, width, font, size, measure);
        lines.push(head);
        line = line.slice(head.length);
      }
    }
    lines.push(line);
  }
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = fitText(`${kept[maxLines - 1]} …`, width, font, size, measure);
  return kept;
}

function longestPrefix(word: string, width: number, font: FontKey, size: number, measure: TextMeasure): string {
  let low = 1;
  let high = word.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (measure.width(word.slice(0, mid), font, size) <= width) low = mid;
    else high = mid - 1;
  }
  return word.slice(0, low);
}

function text(x: number, y: number, value: string, font: FontKey = 'regular', size = BODY_SIZE, color: string = COLOR.text): TextOp {
  return { kind: 'text', x, y, text: value, font, size, color };
}

// ---------------------------------------------------------------------------------------------
// Running header and footer (every page)

export function pageFrameOps(statement: Statement, pageNumber: number, pageCount: number, measure: TextMeasure): DrawOp[] {
  const h = statement.header;
  const a = statement.audit;
  const left = winAnsi(`${h.legalEntity} · Statement of account · ${h.broker} account ${h.brokerAccountId} · period ${h.period} (${h.timeZone})`);
  const right = winAnsi(`${h.baseCurrency} · generated ${formatInstant(h.generatedAt)}`);
  const footer = winAnsi(`Raw inputs SHA-256 ${shortHash(a.rawInputsSha256)} · chain head ${shortHash(a.chainHead)} · code ${a.codeVersion} · run ${h.runId}`);
  const page = `page ${pageNumber} of ${pageCount}`;
  const rightWidth = measure.width(right, 'regular', SMALL_SIZE);
  const pageWidth = measure.width(page, 'bold', SMALL_SIZE);
  return [
    text(CONTENT_LEFT, RUNNING_HEADER_Y, fitText(left, CONTENT_WIDTH - rightWidth - 24, 'bold', SMALL_SIZE, measure), 'bold', SMALL_SIZE, COLOR.muted),
    text(CONTENT_RIGHT - rightWidth, RUNNING_HEADER_Y, right, 'regular', SMALL_SIZE, COLOR.muted),
    { kind: 'rule', x: CONTENT_LEFT, y: RUNNING_RULE_Y, width: CONTENT_WIDTH, weight: 0.5, color: COLOR.rule },
    { kind: 'rule', x: CONTENT_LEFT, y: FOOTER_RULE_Y, width: CONTENT_WIDTH, weight: 0.5, color: COLOR.rule },
    text(CONTENT_LEFT, FOOTER_TEXT_Y, fitText(footer, CONTENT_WIDTH - pageWidth - 24, 'regular', SMALL_SIZE, measure), 'regular', SMALL_SIZE, COLOR.muted),
    text(CONTENT_RIGHT - pageWidth, FOOTER_TEXT_Y, page, 'bold', SMALL_SIZE, COLOR.text),
  ];
}

/** First 12 hex digits and an ellipsis: enough to compare by eye; the audit section has them whole. */
export function shortHash(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}

// ---------------------------------------------------------------------------------------------
// Flowing sections (front and back): a cursor that moves down and starts new pages

interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

interface TableRow {
  cells: string[];
  font?: FontKey;
  /** Text colour of the whole row. */
  color?: string;
  /** Left indent of the first cell. */
  indent?: number;
  ruleAbove?: boolean;
}

class Flow {
  readonly pages: DrawOp[][] = [[]];
  private y = BODY_TOP;

  constructor(private readonly measure: TextMeasure) {}

  private get ops(): DrawOp[] {
    return this.pages[this.pages.length - 1] as DrawOp[];
  }

  newPage(): void {
    if (this.y === BODY_TOP && this.ops.length === 0) return;
    this.pages.push([]);
    this.y = BODY_TOP;
  }

  /** Starts a new page unless `height` more points fit on this one. */
  private ensure(height: number): void {
    if (this.y + height > BODY_BOTTOM && this.y > BODY_TOP) this.newPage();
  }

  space(points: number): void {
    this.y = Math.min(this.y + points, BODY_BOTTOM);
  }

  title(value: string, subtitle: string): void {
    this.ops.push(text(CONTENT_LEFT, this.y, fitText(winAnsi(value), CONTENT_WIDTH, 'bold', 18, this.measure), 'bold', 18));
    this.y += 24;
    for (const line of wrapText(winAnsi(subtitle), CONTENT_WIDTH, 'regular', 10, this.measure, 3)) {
      this.ops.push(text(CONTENT_LEFT, this.y, line, 'regular', 10, COLOR.muted));
      this.y += 13;
    }
    this.y += 6;
  }

  /** A section heading, kept on the same page as the first `keepWithNext` points after it. */
  heading(value: string, keepWithNext = BODY_LINE * 3): void {
    this.ensure(22 + keepWithNext);
    if (this.y > BODY_TOP) this.y += 8;
    this.ops.push(text(CONTENT_LEFT, this.y, fitText(winAnsi(value), CONTENT_WIDTH, 'bold', 11, this.measure), 'bold', 11));
    this.y += 14;
    this.ops.push({ kind: 'rule', x: CONTENT_LEFT, y: this.y, width: CONTENT_WIDTH, weight: 0.75, color: COLOR.text });
    this.y += 4;
  }

  subheading(value: string): void {
    this.ensure(BODY_LINE * 4);
    this.y += 6;
    this.ops.push(text(CONTENT_LEFT, this.y, fitText(winAnsi(value), CONTENT_WIDTH, 'bold', 9, this.measure), 'bold', 9));
    this.y += BODY_LINE + 3;
  }

  paragraph(value: string, font: FontKey = 'regular', color: string = COLOR.text, indent = 0): void {
    // Paragraphs (notes, disclosures, reasons) are never cut: they flow line by line over pages.
    for (const line of wrapText(winAnsi(value), CONTENT_WIDTH - indent, font, BODY_SIZE, this.measure, Number.POSITIVE_INFINITY)) {
      this.ensure(BODY_LINE);
      this.ops.push(text(CONTENT_LEFT + indent, this.y, line, font, BODY_SIZE, color));
      this.y += BODY_LINE;
    }
  }

  /** Label/value rows; several groups of them are set side by side, each its own column. */
  fields(groups: Array<Array<[string, string]>>, labelWidth = 150): void {
    const gap = 18;
    const groupWidth = (CONTENT_WIDTH - (groups.length - 1) * gap) / groups.length;
    const rows = Math.max(...groups.map((g) => g.length));
    for (let r = 0; r < rows; r++) {
      const cells = groups.map((group) => group[r]).map((pair) =>
        pair ? { label: wrapText(winAnsi(pair[0]), labelWidth - CELL_PAD_X, 'bold', BODY_SIZE, this.measure, 3), value: wrapText(winAnsi(pair[1]), groupWidth - labelWidth, 'regular', BODY_SIZE, this.measure) } : undefined,
      );
      const lines = Math.max(1, ...cells.map((c) => (c ? Math.max(c.label.length, c.value.length) : 0)));
      const height = lines * BODY_LINE + 2;
      this.ensure(height);
      cells.forEach((cell, g) => {
        if (!cell) return;
        const x = CONTENT_LEFT + g * (groupWidth + gap);
        cell.label.forEach((line, i) => this.ops.push(text(x, this.y + i * BODY_LINE, line, 'bold', BODY_SIZE, COLOR.muted)));
        cell.value.forEach((line, i) => this.ops.push(text(x + labelWidth, this.y + i * BODY_LINE, line)));
      });
      this.y += height;
    }
  }

  /** A table whose header row repeats at the top of every page it continues on. */
  table(columns: Column[], rows: TableRow[], continued: string): void {
    const total = columns.reduce((sum, c) => sum + c.width, 0);
    if (total > CONTENT_WIDTH + 0.01) throw new RangeError(`table columns are ${total} pt wide, the page has ${CONTENT_WIDTH}`);
    const header = () => {
      const height = BODY_LINE + 2 * CELL_PAD_Y;
      this.ops.push({ kind: 'fill', x: CONTENT_LEFT, y: this.y, width: total, height, color: COLOR.headerFill });
      this.cells(columns, columns.map((c) => [winAnsi(c.header)]), 'bold', COLOR.text, 0);
      this.y += height;
    };
    const shown: TableRow[] = rows.length > 0 ? rows : [{ cells: ['None.'], font: 'italic', color: COLOR.muted }];
    const wrapped = shown.map((row) => ({
      row,
      lines: columns.map((c, i) => {
        const value = winAnsi(row.cells[i] ?? '');
        const width = c.width - 2 * CELL_PAD_X - (i === 0 ? (row.indent ?? 0) : 0);
        return c.align === 'right' ? [fitText(value, width, row.font ?? 'regular', BODY_SIZE, this.measure)] : wrapText(value, width, row.font ?? 'regular', BODY_SIZE, this.measure);
      }),
    }));
    const firstHeight = wrapped[0] ? rowHeight(wrapped[0].lines) : 0;
    this.ensure(BODY_LINE + 2 * CELL_PAD_Y + firstHeight);
    header();
    for (const { row, lines } of wrapped) {
      const height = rowHeight(lines);
      if (this.y + height > BODY_BOTTOM) {
        this.newPage();
        this.ops.push(text(CONTENT_LEFT, this.y, winAnsi(`${continued} (continued)`), 'italic', BODY_SIZE, COLOR.muted));
        this.y += BODY_LINE + 2;
        header();
      }
      if (row.ruleAbove) this.ops.push({ kind: 'rule', x: CONTENT_LEFT, y: this.y, width: total, weight: 0.5, color: COLOR.text });
      this.cells(columns, lines, row.font ?? 'regular', row.color ?? COLOR.text, row.indent ?? 0);
      this.y += height;
      this.ops.push({ kind: 'rule', x: CONTENT_LEFT, y: this.y, width: total, weight: 0.25, color: COLOR.rule });
    }
  }

  private cells(columns: Column[], lines: string[][], font: FontKey, color: string, indent: number): void {
    let x = CONTENT_LEFT;
    columns.forEach((column, i) => {
      (lines[i] ?? []).forEach((line, l) => {
        const left = column.align === 'right' ? x + column.width - CELL_PAD_X - this.measure.width(line, font, BODY_SIZE) : x + CELL_PAD_X + (i === 0 ? indent : 0);
        if (line) this.ops.push(text(left, this.y + CELL_PAD_Y + l * BODY_LINE, line, font, BODY_SIZE, color));
      });
      x += column.width;
    });
  }
}

function rowHeight(lines: string[][]): number {
  return Math.max(1, ...lines.map((l) => l.length)) * BODY_LINE + 2 * CELL_PAD_Y;
}

// ---------------------------------------------------------------------------------------------
// The sections

const STATUS_COLOR: Record<Statement['rollForward']['status'], string> = { PROVEN: COLOR.proven, DIFFERENCE: COLOR.difference, UNPROVEN: COLOR.unproven };

function layoutFront(statement: Statement, measure: TextMeasure): DrawOp[][] {
  const { header: h, rollForward: rf, reconciliation: rec } = statement;
  const flow = new Flow(measure);
  const closing = rf.closing ?? rf.computedClosing;
  flow.title(
    `Statement of account – ${h.legalEntity}`,
    `${h.broker} account ${h.brokerAccountId} · period ${h.period} · ${formatCount(statement.lineCount)} activity lines · ${statement.exceptions.length} exceptions · closing balance ${formatAmount(closing)} ${h.baseCurrency} · roll-forward ${rf.status}`,
  );

  flow.heading('Statement details');
  flow.fields(
    [
      [
        ['Legal entity', h.legalEntity],
        ['Broker', h.broker],
        ['Broker account id', h.brokerAccountId],
        ['Internal account', `${h.internalAccount.code} ${h.internalAccount.name}`],
        ['Base currency', h.baseCurrency],
        ['Time zone', h.timeZone],
      ],
      [
        ['Period', h.period],
        ['Period start (inclusive)', formatInstant(h.periodStart)],
        ['Period end (exclusive)', formatInstant(h.periodEnd)],
        ['Generated at', formatInstant(h.generatedAt)],
        ['Run id', h.runId],
        ['Temporal workflow id', h.workflowId],
        ['Temporal run id', h.temporalRunId],
        ['Code version', h.codeVersion],
      ],
    ],
    120,
  );
  flow.fields([[['Cut-off rule', h.cutOffRule]]], 120);

  flow.heading(`Cash roll-forward (${h.baseCurrency})`, BODY_LINE * 6);
  const last = rf.lines.length - 1;
  flow.table(
    [
      { header: 'Line item', width: 300 },
      { header: `Amount (${h.baseCurrency})`, width: 120, align: 'right' },
    ],
    rf.lines.map((line, i) => ({
      cells: [line.label, formatAmount(line.amount)],
      font: line.level === 1 ? 'italic' : i === 0 || i === last ? 'bold' : 'regular',
      color: line.level === 1 ? COLOR.muted : COLOR.text,
      indent: line.level === 1 ? 14 : 0,
      ruleAbove: i === last,
    })),
    'Cash roll-forward',
  );
  flow.space(6);
  flow.fields([
    [
      ['Opening balance source', rf.openingSource],
      ['Computed closing balance', `${formatAmount(rf.computedClosing)} ${h.baseCurrency}`],
      ['Broker closing balance', rf.closing === undefined ? 'not available' : `${formatAmount(rf.closing)} ${h.baseCurrency}`],
      ['Closing balance source', rf.closingSource ?? 'none'],
      ['Difference', rf.difference === undefined ? 'not available' : `${formatAmount(rf.difference)} ${h.baseCurrency}`],
    ],
  ]);
  flow.space(4);
  flow.paragraph(`${rf.status}: ${rf.verdict}`, 'bold', STATUS_COLOR[rf.status]);
  for (const reason of rf.reasons) flow.paragraph(`• ${reason}`, 'regular', COLOR.text, 10);

  flow.heading('Totals by transaction type');
  flow.table(
    [
      { header: 'Transaction type', width: 220 },
      { header: 'Count', width: 80, align: 'right' },
      { header: `Amount (${h.baseCurrency})`, width: 120, align: 'right' },
    ],
    statement.totalsByType.map((t) => ({ cells: [t.transactionType, formatCount(t.count), formatAmount(t.amount)] })),
    'Totals by transaction type',
  );

  flow.heading('Totals by ledger account');
  flow.table(
    [
      { header: 'Account', width: 70 },
      { header: 'Name', width: 250 },
      { header: 'Type', width: 90 },
      { header: `Debit (${h.baseCurrency})`, width: 115, align: 'right' },
      { header: `Credit (${h.baseCurrency})`, width: 115, align: 'right' },
      { header: `Net (${h.baseCurrency})`, width: 115, align: 'right' },
    ],
    statement.totalsByAccount.map((a) => ({ cells: [a.code, a.name, a.type, formatAmount(a.debit), formatAmount(a.credit), formatAmount(a.net)] })),
    'Totals by ledger account',
  );

  flow.heading('Reconciliation with the books');
  flow.fields([
    [
      ['Broker records', formatCount(rec.brokerRecords)],
      ['Book entries', formatCount(rec.bookEntries)],
      ['Matches', formatCount(rec.matches)],
      ['Matched broker records', formatCount(rec.matchedBrokerRecords)],
    ],
    [
      ...Object.entries(rec.exceptionsByKind)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, count]): [string, string] => [`Exceptions: ${kind}`, formatCount(count)]),
      ['Matching rules version', rec.rulesVersion],
      ['Roll-forward difference', rf.difference === undefined ? 'not available' : `${formatAmount(rf.difference)} ${h.baseCurrency}`],
    ],
  ]);
  flow.subheading(`Exceptions (${statement.exceptions.length}): the reason and the matching rule that decided each`);
  if (statement.exceptions.length === 0) flow.paragraph('No exceptions: every broker record and book entry matched.', 'italic', COLOR.muted);
  else
    flow.table(
      [
        { header: '#', width: 28, align: 'right' },
        { header: 'Kind', width: 110 },
        { header: 'Reason', width: 330 },
        { header: 'Rule', width: 100 },
        { header: 'Broker references', width: 105 },
        { header: 'Book entries', width: CONTENT_WIDTH - 673 },
      ],
      statement.exceptions.map((e, i) => ({ cells: [String(i + 1), e.kind, e.reason, e.rule, e.brokerReferences.join(', '), e.bookEntryIds.join(', ')] })),
      'Exceptions',
    );

  flow.heading('Open positions at period end');
  if (statement.positions === undefined) flow.paragraph('Not captured by this run.', 'italic', COLOR.muted);
  else if (statement.positions.length === 0) flow.paragraph('No open positions at period end.', 'italic', COLOR.muted);
  else
    flow.table(
      [
        { header: 'Deal id', width: 200 },
        { header: 'Instrument', width: 90 },
        { header: 'Direction', width: 60 },
        { header: 'Size', width: 70, align: 'right' },
        { header: 'Level', width: 90, align: 'right' },
        { header: 'Currency', width: 55 },
        { header: 'Unrealised P/L', width: 95, align: 'right' },
        { header: 'Opened at (UTC)', width: CONTENT_WIDTH - 660 },
      ],
      statement.positions.map((p) => ({ cells: [p.dealId, p.epic, p.direction, p.size, p.level, p.currency, formatAmount(p.unrealisedPnl), formatInstantBare(p.openedAtUtc)] })),
      'Open positions',
    );

  flow.heading('Working orders at period end');
  if (statement.workingOrders === undefined) flow.paragraph('Not captured by this run.', 'italic', COLOR.muted);
  else if (statement.workingOrders.length === 0) flow.paragraph('No working orders at period end.', 'italic', COLOR.muted);
  else
    flow.table(
      [
        { header: 'Deal id', width: 200 },
        { header: 'Instrument', width: 90 },
        { header: 'Direction', width: 60 },
        { header: 'Order type', width: 80 },
        { header: 'Size', width: 70, align: 'right' },
        { header: 'Level', width: 90, align: 'right' },
        { header: 'Currency', width: 55 },
        { header: 'Created at (UTC)', width: CONTENT_WIDTH - 645 },
      ],
      statement.workingOrders.map((o) => ({ cells: [o.dealId, o.epic, o.direction, o.type, o.size, o.level, o.currency, formatInstantBare(o.createdAtUtc)] })),
      'Working orders',
    );
  return flow.pages;
}

function layoutBack(statement: Statement, measure: TextMeasure): DrawOp[][] {
  const { header: h, audit } = statement;
  const flow = new Flow(measure);
  flow.heading('Notes');
  if (statement.notes.length === 0) flow.paragraph('None.', 'italic', COLOR.muted);
  for (const note of statement.notes) {
    flow.paragraph(note.title, 'bold');
    flow.paragraph(note.text);
    flow.space(5);
  }
  flow.heading('Audit');
  flow.fields([
    [
      ['Raw inputs SHA-256', audit.rawInputsSha256],
      ['Hash-chain head', audit.chainHead],
      ['Code version', audit.codeVersion],
      ['Run id', h.runId],
      ['Temporal workflow id', h.workflowId],
      ['Temporal run id', h.temporalRunId],
      ['Generated at', formatInstant(h.generatedAt)],
      ['Activity lines', formatCount(statement.lineCount)],
    ],
  ]);
  return flow.pages;
}

// ---------------------------------------------------------------------------------------------
// The activity table: fixed row height, fixed rows per page

/** A row of the activity table: a statement line, or the opening / closing balance. */
export type ActivityRow = { kind: 'line'; line: StatementLine } | { kind: 'opening' } | { kind: 'closing' };

interface ActivityColumn {
  header: string;
  width: number;
  align?: 'right';
  value(line: StatementLine): string;
}

const LINE_COLUMN_WIDTH = 32;
const ACTIVITY_COLUMNS: ActivityColumn[] = [
  { header: 'Line', width: LINE_COLUMN_WIDTH, align: 'right', value: (l) => String(l.line) },
  { header: 'Booked (UTC)', width: 96, value: (l) => formatInstantBare(l.bookedAtUtc) },
  { header: 'Booked (local)', width: 92, value: (l) => formatLocalMinute(l.bookedAtLocal) },
  { header: 'Reference', width: 58, value: (l) => l.reference },
  { header: 'Type', width: 86, value: (l) => l.transactionType },
  { header: 'Instrument', width: 62, value: (l) => l.instrument },
  { header: 'Note', width: 92, value: (l) => l.note },
  { header: 'Amount', width: 62, align: 'right', value: (l) => formatAmount(l.amount) },
  { header: 'Cur.', width: 24, value: (l) => l.currency },
  { header: 'Balance', width: 66, align: 'right', value: (l) => formatAmount(l.runningBalance) },
  { header: 'Debit', width: 30, value: (l) => l.debitAccount },
  { header: 'Credit', width: 30, value: (l) => l.creditAccount },
  { header: 'Match', width: 55.89, value: (l) => l.matchStatus },
];
const ACTIVITY_TABLE_WIDTH = ACTIVITY_COLUMNS.reduce((sum, c) => sum + c.width, 0);
if (ACTIVITY_TABLE_WIDTH > CONTENT_WIDTH + 0.01) throw new RangeError(`activity columns are ${ACTIVITY_TABLE_WIDTH} pt wide, the page has ${CONTENT_WIDTH}`);
const BALANCE_COLUMN = ACTIVITY_COLUMNS.findIndex((c) => c.header === 'Balance');
const MATCH_COLUMN = ACTIVITY_COLUMNS.findIndex((c) => c.header === 'Match');

/** The drawing of activity page `index` (0-based) holding `rows` (at most ACTIVITY_ROWS_PER_PAGE). */
export function activityPageOps(statement: Statement, index: number, rows: ActivityRow[], measure: TextMeasure): DrawOp[] {
  if (rows.length > ACTIVITY_ROWS_PER_PAGE) throw new RangeError(`${rows.length} rows on an activity page that holds ${ACTIVITY_ROWS_PER_PAGE}`);
  const { header: h, rollForward: rf } = statement;
  const ops: DrawOp[] = [];
  const title = index === 0 ? `Activity detail (${h.baseCurrency}, running balance of account ${h.internalAccount.code})` : 'Activity detail (continued)';
  ops.push(text(CONTENT_LEFT, ACTIVITY_TITLE_Y, winAnsi(title), 'bold', 11));
  ops.push({ kind: 'fill', x: CONTENT_LEFT, y: ACTIVITY_HEADER_Y, width: ACTIVITY_TABLE_WIDTH, height: ACTIVITY_HEADER_HEIGHT, color: COLOR.headerFill });
  activityCells(ops, ACTIVITY_COLUMNS.map((c) => c.header), ACTIVITY_HEADER_Y + 3, 'bold', measure);
  rows.forEach((row, i) => {
    const y = ACTIVITY_FIRST_ROW_Y + i * ACTIVITY_ROW_HEIGHT;
    if (row.kind === 'line') {
      if (i % 2 === 1) ops.push({ kind: 'fill', x: CONTENT_LEFT, y, width: ACTIVITY_TABLE_WIDTH, height: ACTIVITY_ROW_HEIGHT, color: COLOR.zebraFill });
      // A match status other than MATCHED is drawn bold red, to be found by eye.
      activityCells(ops, ACTIVITY_COLUMNS.map((c) => winAnsi(c.value(row.line))), y + 2, 'regular', measure, row.line.matchStatus === 'MATCHED' ? -1 : MATCH_COLUMN);
      return;
    }
    // Opening and closing balance: a label across the descriptive columns, the balance in its column.
    const label = row.kind === 'opening' ? 'Opening balance' : 'Closing balance (computed from the lines)';
    const balance = formatAmount(row.kind === 'opening' ? rf.opening : rf.computedClosing);
    const balanceRight = CONTENT_LEFT + ACTIVITY_COLUMNS.slice(0, BALANCE_COLUMN + 1).reduce((sum, c) => sum + c.width, 0) - CELL_PAD_X;
    ops.push({ kind: 'rule', x: CONTENT_LEFT, y, width: ACTIVITY_TABLE_WIDTH, weight: 0.5, color: COLOR.rule });
    ops.push(text(CONTENT_LEFT + LINE_COLUMN_WIDTH + CELL_PAD_X, y + 2, label, 'bold', ACTIVITY_SIZE));
    ops.push(text(balanceRight - measure.width(balance, 'bold', ACTIVITY_SIZE), y + 2, balance, 'bold', ACTIVITY_SIZE));
  });
  return ops;
}

function activityCells(ops: DrawOp[], cells: string[], y: number, rowFont: FontKey, measure: TextMeasure, emphasised = -1): void {
  let x = CONTENT_LEFT;
  ACTIVITY_COLUMNS.forEach((column, i) => {
    const value = cells[i] ?? '';
    const width = column.width - 2 * CELL_PAD_X;
    const font = i === emphasised ? 'bold' : rowFont;
    if (value) {
      const fitted = fitText(value, width, font, ACTIVITY_SIZE, measure);
      const left = column.align === 'right' ? x + column.width - CELL_PAD_X - measure.width(fitted, font, ACTIVITY_SIZE) : x + CELL_PAD_X;
      ops.push(text(left, y, fitted, font, ACTIVITY_SIZE, i === emphasised ? COLOR.difference : COLOR.text));
    }
    x += column.width;
  });
}
