/**
 * The statement as a PDF a person can read and send: title block, cash roll-forward with its
 * verdict, totals, reconciliation with the exceptions and the rule that decided each, positions
 * and working orders, the activity detail with its running balance, notes and audit. Every page
 * has a running header and a footer with the hashes, the code version and "page N of M".
 *
 * Streaming: pages are written one at a time and never buffered (no `bufferPages`). M is known up
 * front because `pdf-layout.ts` plans every page before the first is drawn: the fixed sections are
 * laid out in full, the activity table takes a fixed number of rows per page. The writer asserts
 * that it produced exactly the planned pages.
 *
 * Reproducible: the built-in Helvetica fonts (nothing embedded, no random subset tags), the info
 * dates set to `generatedAt`, and pdfkit derives the document ID from an MD5 of the info
 * dictionary (`PDFSecurity.generateFileID`), so the same statement gives the same bytes.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import PDFDocument from 'pdfkit';
import { type Artifact, writeArtifact } from './artifact';
import type { Statement, StatementSource } from './model';
import {
  ACTIVITY_ROWS_PER_PAGE,
  type ActivityRow,
  type DrawOp,
  type FontKey,
  PAGE_HEIGHT,
  PAGE_WIDTH,
  type TextMeasure,
  activityPageOps,
  pageFrameOps,
  planStatement,
  winAnsi,
} from './pdf-layout';

export interface PdfStatementOptions {
  /** Bytes the document may hold for the file before the writer waits for it (memory bound). */
  bufferedBytesMax?: number;
}

const BUFFERED_BYTES_MAX_DEFAULT = 1 << 20;
const FONT_NAME: Record<FontKey, string> = { regular: 'Helvetica', bold: 'Helvetica-Bold', italic: 'Helvetica-Oblique' };

export async function writePdfStatement(source: StatementSource, dir: string, baseName: string, options: PdfStatementOptions = {}): Promise<Artifact> {
  return writeArtifact(dir, `${baseName}.pdf`, async (out) => {
    await renderPdfStatement(source, out, options);
  });
}

/** The number of pages the statement's PDF has, known before it is written. */
export function pdfPageCount(statement: Statement): number {
  return planStatement(statement, helveticaMetrics()).pageCount;
}

/** Writes the PDF to `out` (without ending it) and returns the number of pages. */
export async function renderPdfStatement(source: StatementSource, out: Writable, options: PdfStatementOptions = {}): Promise<number> {
  const { statement } = source;
  const h = statement.header;
  const bufferedBytesMax = options.bufferedBytesMax ?? BUFFERED_BYTES_MAX_DEFAULT;
  const generatedAt = new Date(h.generatedAt);
  if (Number.isNaN(generatedAt.getTime())) throw new RangeError(`generatedAt is not an instant: '${h.generatedAt}'`);

  const measure = helveticaMetrics();
  const plan = planStatement(statement, measure);

  const doc = new PDFDocument({
    size: [PAGE_WIDTH, PAGE_HEIGHT],
    margin: 0,
    autoFirstPage: false,
    bufferPages: false,
    compress: true,
    lang: 'en',
    displayTitle: true,
    info: {
      Title: winAnsi(`Statement of account ${h.period} – ${h.legalEntity} – ${h.broker} account ${h.brokerAccountId}`),
      Author: winAnsi(h.legalEntity),
      Subject: winAnsi(`Cash roll-forward, reconciliation and activity for ${h.period} (${h.timeZone}); run ${h.runId}`),
      Creator: winAnsi(`capital-recon ${statement.audit.codeVersion}`),
      Producer: 'capital-recon (PDFKit)',
      CreationDate: generatedAt,
      ModDate: generatedAt,
    },
  });
  const ended = once(doc, 'end');
  doc.pipe(out, { end: false });
  const pen = drawer(doc);

  let pageNumber = 0;
  const page = async (body: DrawOp[]) => {
    pageNumber++;
    if (pageNumber > plan.pageCount) throw new Error(`page ${pageNumber} is beyond the ${plan.pageCount} pages planned`);
    pen.newPage();
    pen.draw(pageFrameOps(statement, pageNumber, plan.pageCount, measure));
    pen.draw(body);
    await untilWritten(doc, out, bufferedBytesMax);
  };

  try {
    for (const body of plan.front) await page(body);
    const activityPages = await writeActivityPages(source, measure, page);
    if (activityPages !== plan.activityPages) throw new Error(`the activity took ${activityPages} pages, ${plan.activityPages} were planned`);
    for (const body of plan.back) await page(body);
  } catch (error) {
    doc.unpipe(out); // the caller ends `out` and discards the partial file
    throw error;
  }
  if (pageNumber !== plan.pageCount) throw new Error(`wrote ${pageNumber} pages, ${plan.pageCount} were planned`);
  doc.end();
  await ended;
  return pageNumber;
}

/**
 * The activity table, streamed: an opening balance row, the lines, a closing balance row, in pages
 * of `ACTIVITY_ROWS_PER_PAGE` rows; one page of rows in memory at a time. Returns the page count.
 */
async function writeActivityPages(source: StatementSource, measure: TextMeasure, page: (body: DrawOp[]) => Promise<void>): Promise<number> {
  const { statement } = source;
  let pages = 0;
  let rows: ActivityRow[] = [{ kind: 'opening' }];
  const flush = async () => {
    await page(activityPageOps(statement, pages, rows, measure));
    pages++;
    rows = [];
  };
  let lines = 0;
  for await (const line of source.lines()) {
    lines++;
    if (lines > statement.lineCount) throw new Error(`the statement has ${statement.lineCount} lines but its line stream yields more`);
    if (rows.length === ACTIVITY_ROWS_PER_PAGE) await flush();
    rows.push({ kind: 'line', line });
  }
  if (lines !== statement.lineCount) throw new Error(`the statement has ${statement.lineCount} lines but its line stream yielded ${lines}`);
  if (rows.length === ACTIVITY_ROWS_PER_PAGE) await flush();
  rows.push({ kind: 'closing' });
  await flush();
  return pages;
}

/**
 * Text widths from pdfkit's metrics of the built-in fonts, on a document of its own (never
 * written) so measuring does not disturb the drawing document's font state.
 */
function helveticaMetrics(): TextMeasure {
  const metrics = new PDFDocument({ autoFirstPage: false });
  let current = '';
  return {
    width(text, font, size) {
      const name = FONT_NAME[font];
      if (name !== current) {
        metrics.font(name);
        current = name;
      }
      return metrics.fontSize(size).widthOfString(text);
    },
  };
}

/** Draws plan operations, setting font, size and fill colour only when they change on the page. */
function drawer(doc: PDFKit.PDFDocument): { newPage(): void; draw(ops: DrawOp[]): void } {
  let font = '';
  let size = 0;
  let fill = '';
  const fillColor = (color: string) => {
    if (color !== fill) {
      doc.fillColor(color);
      fill = color;
    }
  };
  const drawText = (op: Extract<DrawOp, { kind: 'text' }>) => {
    const name = FONT_NAME[op.font];
    if (name !== font) {
      doc.font(name);
      font = name;
    }
    if (op.size !== size) {
      doc.fontSize(op.size);
      size = op.size;
    }
    fillColor(op.color);
    doc.text(op.text, op.x, op.y, { lineBreak: false });
  };
  return {
    newPage() {
      doc.addPage({ size: [PAGE_WIDTH, PAGE_HEIGHT], margin: 0 });
      fill = ''; // a new page starts with the default graphics state (black fill)
    },
    draw(ops) {
      for (const op of ops) {
        if (op.kind === 'text') drawText(op);
        else if (op.kind === 'rule') doc.moveTo(op.x, op.y).lineTo(op.x + op.width, op.y).lineWidth(op.weight).strokeColor(op.color).stroke();
        else {
          fillColor(op.color);
          doc.rect(op.x, op.y, op.width, op.height).fill();
        }
      }
    },
  };
}

/**
 * pdfkit pushes each finished page into its readable side without asking whether the file keeps
 * up. After each page, wait while more than `bufferedBytesMax` bytes are waiting to be written.
 */
async function untilWritten(doc: PDFKit.PDFDocument, out: Writable, bufferedBytesMax: number): Promise<void> {
  const readable = doc as unknown as NodeJS.ReadableStream & { readableLength: number };
  while (readable.readableLength > bufferedBytesMax) {
    if (out.writableNeedDrain) await once(out, 'drain');
    else await nextTurn();
  }
}
