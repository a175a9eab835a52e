import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { toDecimal } from '../../../lib/money';
import type { StatementLine, StatementSource } from '../../../lib/statements/model';
import { sampleStatement } from '../../../lib/statements/sample';
import { XlsxAmountError, amountFormat, excelNumber, writeXlsxStatement } from '../../../lib/statements/xlsx';
import { assertGolden } from '../../helpers/golden';

const SHEETS = ['Summary', 'Activity', 'Totals', 'Exceptions', 'Positions', 'Working orders'];
const MONEY_FORMAT = '#,##0.00;-#,##0.00';
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
// Installed by scripts/ensure-tools.sh (npm test runs it first): a missing tool fails, it does not skip.
const LIBREOFFICE = ['/usr/bin/libreoffice', '/usr/bin/soffice'].find((p) => existsSync(p)) ?? 'libreoffice';
const run = promisify(execFile);

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recon-xlsx-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function render(source: StatementSource) {
  const dir = await freshDir();
  const artifact = await writeXlsxStatement(source, dir, 'sample');
  const file = path.join(dir, artifact.file);
  return { artifact, file, bytes: await readFile(file) };
}

async function readWorkbook(file: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  return workbook;
}

type GoldenCell = string | number | boolean | null | { date: string };

/** A sheet's cell values, row by row; dates as `{ date }` so they stay distinguishable from text. */
function sheetValues(sheet: ExcelJS.Worksheet): GoldenCell[][] {
  const rows: GoldenCell[][] = [];
  for (let r = 1; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const cells: GoldenCell[] = [];
    for (let c = 1; c <= row.cellCount; c++) {
      const value = row.getCell(c).value;
      if (value instanceof Date) cells.push({ date: value.toISOString() });
      else if (value === null || value === undefined) cells.push(null);
      else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') cells.push(value);
      else assert.fail(`unexpected cell value at ${sheet.name}!${row.getCell(c).address}: ${JSON.stringify(value)}`);
    }
    while (cells.length > 0 && cells[cells.length - 1] === null) cells.pop();
    rows.push(cells);
  }
  return rows;
}

/** One row per line, so a diff of the golden file reads like a diff of the sheet. */
function goldenJson(rows: GoldenCell[][]): string {
  return `[\n${rows.map((row) => `  ${JSON.stringify(row)}`).join(',\n')}\n]\n`;
}

function goldenName(sheet: string): string {
  return `xlsx-sample-${sheet.toLowerCase().replace(/\s+/g, '-')}.json`;
}

/** Name and DOS modification time of every entry in a zip's central directory. */
function zipEntryTimes(zip: Buffer): Array<{ name: string; time: string }> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: Array<{ name: string; time: string }> = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory entry signature');
    const time = zip.readUInt16LE(at + 12);
    const date = zip.readUInt16LE(at + 14);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const pad = (n: number) => String(n).padStart(2, '0');
    const when = `${1980 + (date >> 9)}-${pad((date >> 5) & 15)}-${pad(date & 31)} ${pad(time >> 11)}:${pad((time >> 5) & 63)}:${pad((time & 31) * 2)}`;
    entries.push({ name, time: when });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

async function linesOf(source: StatementSource): Promise<StatementLine[]> {
  const lines: StatementLine[] = [];
  for await (const line of source.lines()) lines.push(line);
  return lines;
}

describe('XLSX statement of the 12-line sample', () => {
  test('each sheet reads back (with exceljs) as its reviewed golden cell values', async () => {
    const { file } = await render(sampleStatement(12));
    const workbook = await readWorkbook(file);
    assert.deepEqual(
      workbook.worksheets.map((s) => s.name),
      SHEETS,
    );
    for (const sheet of workbook.worksheets) {
      const actual = goldenJson(sheetValues(sheet));
      await assertGolden(goldenName(sheet.name), actual, `sheet ${sheet.name}`);
    }
  });

  test('rendering the same statement twice gives identical bytes (workbook and zip entry dates are generatedAt)', async () => {
    const first = await render(sampleStatement(12));
    const second = await render(sampleStatement(12));
    assert.ok(first.bytes.equals(second.bytes), 'two renders differ');
    assert.equal(first.artifact.sha256, second.artifact.sha256);
    assert.equal(first.artifact.bytes, first.bytes.length);
    const workbook = await readWorkbook(first.file);
    assert.equal(workbook.created.toISOString(), '2025-04-01T00:05:00.000Z');
    assert.equal(workbook.modified.toISOString(), '2025-04-01T00:05:00.000Z');
  });

  test('every zip entry is stamped with generatedAt, not the time of rendering', async () => {
    const { bytes } = await render(sampleStatement(12));
    const entries = zipEntryTimes(bytes);
    assert.ok(entries.length >= 10, `${entries.length} entries`);
    for (const entry of entries) assert.equal(entry.time, '2025-04-01 00:05:00', entry.name);
    assert.ok(entries.some((e) => e.name === 'xl/worksheets/sheet2.xml'));
  });

  test('amounts are number cells in the currency-scale format, exact to the decimal; instants are date cells', async () => {
    const source = sampleStatement(12);
    const lines = await linesOf(source);
    const { file } = await render(source);
    const activity = (await readWorkbook(file)).getWorksheet('Activity');
    assert.ok(activity);
    assert.deepEqual(activity.views.map((v) => [v.state, (v as ExcelJS.WorksheetViewFrozen).ySplit]), [['frozen', 1]], 'the header row is frozen');
    assert.ok((activity.getColumn(7).width ?? 0) > 20, 'columns have widths');
    for (const line of lines) {
      const row = activity.getRow(line.line + 1);
      const booked = row.getCell(2);
      assert.ok(booked.value instanceof Date, `line ${line.line}: booked at is a date cell`);
      assert.equal(booked.value.toISOString(), new Date(line.bookedAtUtc).toISOString());
      assert.equal(booked.numFmt, DATE_FORMAT);
      assert.equal(row.getCell(3).value, line.bookedAtLocal, 'local time as text beside it');
      for (const [column, text] of [
        [8, line.amount],
        [10, line.runningBalance],
      ] as const) {
        const cell = row.getCell(column);
        assert.equal(cell.type, ExcelJS.ValueType.Number, `line ${line.line} column ${column} is a number`);
        assert.equal(cell.numFmt, MONEY_FORMAT);
        assert.ok(toDecimal(cell.value as number).eq(toDecimal(text)), `line ${line.line}: ${String(cell.value)} is exactly ${text}`);
      }
    }
    const summary = (await readWorkbook(file)).getWorksheet('Summary');
    assert.ok(summary);
    const closing = [...Array(summary.rowCount).keys()].map((i) => summary.getRow(i + 1)).find((r) => r.getCell(1).value === 'Closing balance');
    assert.ok(closing);
    assert.equal(closing.getCell(2).value, 9691.9);
    assert.equal(closing.getCell(2).numFmt, MONEY_FORMAT);
  });

  test('an amount with more decimals than the currency scale keeps them: its own format, nothing rounded away', async () => {
    const source = sampleStatement(12);
    const precise: StatementSource = {
      statement: source.statement,
      async *lines() {
        for await (const line of source.lines()) yield line.line === 3 ? { ...line, amount: '-58.3825', runningBalance: '9820.8075' } : line;
      },
    };
    const { file } = await render(precise);
    const row = (await readWorkbook(file)).getWorksheet('Activity')?.getRow(4);
    assert.equal(row?.getCell(8).value, -58.3825);
    assert.equal(row?.getCell(8).numFmt, '#,##0.0000;-#,##0.0000');
    assert.equal(row?.getCell(10).numFmt, '#,##0.0000;-#,##0.0000');
    assert.equal((await readWorkbook(file)).getWorksheet('Activity')?.getRow(5).getCell(8).numFmt, MONEY_FORMAT);
  });

  test('a formula-looking note stays a plain string cell, never a formula', async () => {
    const { file } = await render(sampleStatement(12));
    const activity = (await readWorkbook(file)).getWorksheet('Activity');
    const note = activity?.getRow(5).getCell(7);
    assert.equal(note?.type, ExcelJS.ValueType.String);
    assert.equal(note?.value, '=HYPERLINK("http://evil.example","click")');
  });

  test('a line stream shorter than lineCount is an error, not a short statement', async () => {
    const source = sampleStatement(12);
    const short: StatementSource = {
      statement: source.statement,
      async *lines() {
        for await (const line of source.lines()) if (line.line <= 11) yield line;
      },
    };
    await assert.rejects(render(short), /12 lines but its line stream yielded 11/);
  });
});

describe('XLSX amounts: exact or refused', () => {
  test('up to 15 significant digits convert to the same number, negative zero is zero', () => {
    assert.equal(excelNumber('-123.45'), -123.45);
    assert.equal(excelNumber('9999999999999.99'), 9999999999999.99);
    assert.equal(excelNumber('0.000000000000001'), 1e-15);
    assert.equal(excelNumber('123450000000000000000'), 1.2345e20);
    assert.ok(Object.is(excelNumber('-0.00'), 0));
  });

  test('more than 15 significant digits throws instead of rounding', () => {
    assert.throws(() => excelNumber('99999999999999.99'), XlsxAmountError);
    assert.throws(() => excelNumber('1234567890123456'), /16 significant digits/);
    assert.throws(() => excelNumber('12abc'));
  });

  test('the number format shows the currency scale with grouped thousands', () => {
    assert.equal(amountFormat(2), MONEY_FORMAT);
    assert.equal(amountFormat(0), '#,##0;-#,##0');
    assert.equal(amountFormat(3), '#,##0.000;-#,##0.000');
  });
});

describe('XLSX opens in LibreOffice', () => {
  test('converting the workbook to CSV succeeds and the Summary shows the header values as formatted', async () => {
    const { file } = await render(sampleStatement(12));
    const outDir = await freshDir();
    // A profile of its own: a LibreOffice already running for the user would otherwise take the job.
    const profile = pathToFileURL(await freshDir()).href;
    await run(
      LIBREOFFICE as string,
      [`-env:UserInstallation=${profile}`, '--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true', '--outdir', outDir, file],
      { timeout: 180_000 },
    );
    assert.deepEqual(await readdir(outDir), ['sample.csv']);
    const csv = await readFile(path.join(outDir, 'sample.csv'), 'utf8');
    const rows = new Map(
      csv
        .split('\n')
        .map((line) => line.split(/,(.*)/s) as [string, string | undefined])
        .map(([label, value]) => [label, (value ?? '').replace(/^"|"$/g, '')]),
    );
    const header = sampleStatement(12).statement.header;
    assert.equal(rows.get('Legal entity'), header.legalEntity);
    assert.equal(rows.get('Broker account id'), header.brokerAccountId);
    assert.equal(rows.get('Internal account'), '1100 Broker cash – Capital.com');
    assert.equal(rows.get('Run id'), header.runId);
    assert.equal(rows.get('Temporal run id'), header.temporalRunId);
    assert.equal(rows.get('Generated at (UTC)'), '2025-04-01 00:05:00', 'a date cell in yyyy-mm-dd hh:mm:ss');
    assert.equal(rows.get('Opening balance'), '10,000.00', 'a number cell in the currency format');
    assert.equal(rows.get('Closing balance'), '9,691.90');
    assert.equal(rows.get('Status'), 'PROVEN');
    assert.equal(rows.get('Raw inputs SHA-256'), 'a'.repeat(64));
  });
});
