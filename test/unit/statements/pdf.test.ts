import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import type { StatementSource } from '../../../lib/statements/model';
import { pdfPageCount, writePdfStatement } from '../../../lib/statements/pdf';
import { ACTIVITY_ROWS_PER_PAGE, activityPageCount, formatAmount, formatInstant, winAnsi } from '../../../lib/statements/pdf-layout';
import { sampleStatement } from '../../../lib/statements/sample';
import { assertGolden } from '../../helpers/golden';

const PDFTOTEXT = '/usr/bin/pdftotext';
const PDFINFO = '/usr/bin/pdfinfo';
const run = promisify(execFile);

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recon-pdf-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function render(source: StatementSource) {
  const dir = await freshDir();
  const artifact = await writePdfStatement(source, dir, 'sample');
  const file = path.join(dir, artifact.file);
  return { artifact, file, bytes: await readFile(file) };
}

async function pdfText(file: string): Promise<string> {
  const { stdout } = await run(PDFTOTEXT, ['-layout', '-enc', 'UTF-8', file, '-'], { maxBuffer: 64 << 20 });
  return stdout;
}

async function pdfPages(file: string): Promise<number> {
  const { stdout } = await run(PDFINFO, [file]);
  const match = /^Pages:\s+(\d+)$/m.exec(stdout);
  assert.ok(match, `pdfinfo printed no page count:\n${stdout}`);
  return Number(match[1]);
}

/** Every "page N of M" in reading order, as [N, M]. */
function pageFooters(text: string): Array<[number, number]> {
  return [...text.matchAll(/page (\d+) of (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('PDF statement of the 12-line sample', () => {
  test('pdftotext -layout reads as the reviewed golden text', async () => {
    const { file } = await render(sampleStatement(12));
    const actual = await pdfText(file);
    await assertGolden('pdf-sample.txt', actual, 'the text');
  });

  test('every page says "page N of M", M the page count planned before writing, and pdfinfo agrees', async () => {
    const source = sampleStatement(12);
    const planned = pdfPageCount(source.statement);
    const { file } = await render(source);
    assert.equal(await pdfPages(file), planned);
    assert.deepEqual(
      pageFooters(await pdfText(file)),
      Array.from({ length: planned }, (_, i) => [i + 1, planned]),
    );
  });

  test('shows the closing balance, the roll-forward verdict, and each exception with its reason and rule', async () => {
    const source = sampleStatement(12);
    const { file } = await render(source);
    const text = await pdfText(file);
    const flat = text.replace(/\s+/g, ' ');
    assert.match(text, /Closing balance\s+9,691\.90/);
    assert.match(text, /Closing balance \(computed from the lines\)\s+9,691\.90/);
    assert.ok(flat.includes(`PROVEN: ${source.statement.rollForward.verdict}`), 'the verdict with its status');
    for (const exception of source.statement.exceptions) {
      assert.match(text, new RegExp(`${exception.kind}\\s+${escape(exception.reason)}\\s+${escape(exception.rule)}`), `${exception.kind}: reason and rule on one row`);
    }
    for (const note of source.statement.notes) assert.ok(flat.includes(note.text), `note ${note.title}`);
    assert.ok(flat.includes(`Raw inputs SHA-256 ${'a'.repeat(64)}`), 'the audit section has the whole hash');
    assert.ok(flat.includes(`Raw inputs SHA-256 ${'a'.repeat(12)}… · chain head ${'0'.repeat(12)}… · code 0.1.0`), 'the footer has them shortened');
  });

  test('rendering the same statement twice gives identical bytes; dates are generatedAt and the ID derives from them', async () => {
    const first = await render(sampleStatement(12));
    const second = await render(sampleStatement(12));
    assert.ok(first.bytes.equals(second.bytes), 'two renders differ');
    assert.equal(first.artifact.sha256, second.artifact.sha256);
    const raw = first.bytes.toString('latin1');
    assert.match(raw, /\/CreationDate \d+ 0 R/);
    assert.equal((raw.match(/\(D:20250401000500Z\)/g) ?? []).length, 2, 'CreationDate and ModDate');
    const other = sampleStatement(12);
    other.statement.header.generatedAt = '2025-04-01T00:06:00.000Z';
    const moved = await render(other);
    const id = (bytes: Buffer) => /\/ID \[<([0-9a-f]+)>/.exec(bytes.toString('latin1'))?.[1];
    assert.ok(id(first.bytes));
    assert.notEqual(id(first.bytes), id(moved.bytes), 'another generation time, another document ID');
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

describe('PDF statement of 2,000 lines', () => {
  test('numbers its pages 1 to N as it streams them, N planned up front = pdfinfo pages; the table header repeats on every activity page', async () => {
    const source = sampleStatement(2_000);
    const planned = pdfPageCount(source.statement);
    const { file } = await render(source);
    const text = await pdfText(file);
    const activityPages = activityPageCount(2_000);
    assert.ok(activityPages > 40, `${activityPages} activity pages`);
    assert.equal(await pdfPages(file), planned);
    assert.deepEqual(
      pageFooters(text),
      Array.from({ length: planned }, (_, i) => [i + 1, planned]),
    );
    assert.equal((text.match(/Line\s+Booked \(UTC\)\s+Booked \(local\)/g) ?? []).length, activityPages);
    const lineNumbers = [...text.matchAll(/^\s+(\d+)\s+2025-03-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?\s/gm)].map((m) => Number(m[1]));
    assert.deepEqual(
      lineNumbers,
      Array.from({ length: 2_000 }, (_, i) => i + 1),
      'every line once, in order',
    );
    assert.match(text, /Closing balance \(computed from the lines\)\s+-7,032\.52/);
  });
});

describe('PDF statement with a difference, many exceptions and long notes', () => {
  test('sections flow over pages (table headers repeat, notes are never cut) and the planned count still holds', async () => {
    const source = sampleStatement(60);
    const s = source.statement;
    s.rollForward.status = 'DIFFERENCE';
    s.rollForward.verdict = 'Opening 10000.00 + movements = 9204.78 ≠ broker closing 9217.12: the identity does not hold (difference 12.34).';
    s.rollForward.reasons = ['The closing snapshot was taken 2 minutes after the cut-off.'];
    s.exceptions = Array.from({ length: 80 }, (_, i) => ({
      kind: i % 3 === 0 ? 'MISSING_INTERNAL' : 'AMOUNT_MISMATCH',
      reason: `books and broker disagree on line ${i}. `.repeat(1 + (i % 7) * 4).trim(),
      rule: 'reference-1to1@1',
      brokerReferences: [String(100_000 + i)],
      bookEntryIds: i % 2 === 0 ? [] : [`JE-${i}`],
    }));
    s.positions = undefined;
    const notice = 'Please report any discrepancy in this statement to finance@example.com within ten business days of receiving it. '.repeat(25).trim();
    s.notes.push({ title: 'Discrepancies', text: notice });

    const planned = pdfPageCount(s);
    const { file } = await render(source);
    const text = await pdfText(file);
    const flat = text.replace(/\s+/g, ' ');
    assert.equal(await pdfPages(file), planned);
    assert.deepEqual(
      pageFooters(text),
      Array.from({ length: planned }, (_, i) => [i + 1, planned]),
    );
    assert.ok((text.match(/Exceptions \(continued\)/g) ?? []).length >= 2, 'the exceptions table continues over pages');
    assert.equal((text.match(/#\s+Kind\s+Reason\s+Rule/g) ?? []).length, 1 + (text.match(/Exceptions \(continued\)/g) ?? []).length, 'its header repeats');
    assert.ok(flat.includes(notice), 'the notice is whole');
    assert.ok(flat.includes('DIFFERENCE: Opening 10000.00 + movements = 9204.78 ? broker closing 9217.12'), 'the verdict, ≠ drawn as ?');
    assert.ok(flat.includes('• The closing snapshot was taken 2 minutes after the cut-off.'));
    assert.match(text, /Open positions at period end\s+Not captured by this run\./);
  });
});

describe('PDF layout', () => {
  test('the activity takes (lines + opening + closing rows) / rows per page pages, at least one', () => {
    assert.equal(activityPageCount(0), 1);
    assert.equal(activityPageCount(ACTIVITY_ROWS_PER_PAGE - 2), 1);
    assert.equal(activityPageCount(ACTIVITY_ROWS_PER_PAGE - 1), 2);
    assert.equal(activityPageCount(2 * ACTIVITY_ROWS_PER_PAGE - 2), 2);
    assert.equal(activityPageCount(2 * ACTIVITY_ROWS_PER_PAGE - 1), 3);
    assert.throws(() => activityPageCount(-1));
  });

  test('pdfPageCount is the fixed sections plus the activity pages', () => {
    const small = pdfPageCount(sampleStatement(12).statement);
    const large = pdfPageCount(sampleStatement(100_000).statement);
    assert.equal(large - small, activityPageCount(100_000) - activityPageCount(12));
  });

  test('text the built-in fonts cannot draw becomes a look-alike or "?"; WinAnsi punctuation stays', () => {
    assert.equal(winAnsi('−12.50 € – “ok” …'), '-12.50 € – “ok” …');
    assert.equal(winAnsi('日本\tline\nbreak'), '?? line break');
  });

  test('amounts are grouped by thousands with their decimals as given; instants shown with their zone', () => {
    assert.equal(formatAmount('-1234567.5'), '-1,234,567.5');
    assert.equal(formatAmount('999.00'), '999.00');
    assert.equal(formatAmount('1000'), '1,000');
    assert.throws(() => formatAmount('1e5'));
    assert.equal(formatInstant('2025-03-30T01:30:00.000+01:00'), '2025-03-30 01:30:00 +01:00');
    assert.equal(formatInstant('2025-03-30T00:30:00.250Z'), '2025-03-30 00:30:00.250 UTC');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
