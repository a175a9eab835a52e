import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseString } from 'fast-csv';
import { sum, toDecimal } from '../../../lib/money';
import { writeCsvStatement } from '../../../lib/statements/csv';
import type { Statement, StatementLine, StatementSource } from '../../../lib/statements/model';
import { sampleStatement } from '../../../lib/statements/sample';
import { StatementRenderError } from '../../../lib/statements/text';
import { assertGolden } from '../../helpers/golden';

const FILES = ['sample-activity.csv', 'sample-totals.csv', 'sample-exceptions.csv'];
const FORMULA_START = /^[=+\-@\t\r\0\uFF1D\uFF0B\uFF0D\uFF20]/;
const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recon-csv-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function render(source: StatementSource, options: { bom?: boolean } = {}) {
  const dir = await freshDir();
  const artifacts = await writeCsvStatement(source, dir, 'sample', options);
  const bytes = async (file: string) => readFile(path.join(dir, file));
  return { dir, artifacts, bytes };
}

type CsvRow = Record<string, string>;
function parseCsv(text: string): Promise<CsvRow[]> {
  return new Promise((resolve, reject) => {
    const rows: CsvRow[] = [];
    parseString<CsvRow, CsvRow>(text, { headers: true })
      .on('data', (row: CsvRow) => rows.push(row))
      .on('error', reject)
      .on('end', () => resolve(rows));
  });
}

async function linesOf(source: StatementSource): Promise<StatementLine[]> {
  const lines: StatementLine[] = [];
  for await (const line of source.lines()) lines.push(line);
  return lines;
}

/** A statement with the given lines (small, for hostile-input scenarios). */
function sourceOf(statement: Statement, lines: StatementLine[]): StatementSource {
  return {
    statement: { ...statement, lineCount: lines.length },
    async *lines() {
      yield* lines;
    },
  };
}

describe('CSV statement of the 12-line sample', () => {
  test('matches the reviewed golden files byte for byte, and each artifact records its own SHA-256 and size', async () => {
    const { artifacts, bytes } = await render(sampleStatement(12));
    assert.deepEqual(
      artifacts.map((a) => a.file),
      FILES,
    );
    for (const artifact of artifacts) {
      const actual = await bytes(artifact.file);
      assert.equal(artifact.sha256, createHash('sha256').update(actual).digest('hex'));
      assert.equal(artifact.bytes, actual.length);
      await assertGolden(`csv-${artifact.file}`, actual, artifact.file);
    }
  });

  test('rendering twice gives identical bytes and identical SHA-256', async () => {
    const first = await render(sampleStatement(12));
    const second = await render(sampleStatement(12));
    assert.deepEqual(first.artifacts, second.artifacts);
    for (const file of FILES) assert.ok((await first.bytes(file)).equals(await second.bytes(file)), file);
  });

  test('RFC 4180 layout: stable header rows, every record ends in CRLF, one activity row per line', async () => {
    const { bytes } = await render(sampleStatement(12));
    const headers: Record<string, string> = {
      'sample-activity.csv': 'line,booked_at_utc,booked_at_local,reference,transaction_type,instrument,note,amount,currency,running_balance,debit_account,credit_account,match_status,key',
      'sample-totals.csv': 'section,item,account_type,level,count,debit,credit,amount,currency,text',
      'sample-exceptions.csv': 'exception,kind,rule,reason,broker_references,book_entry_ids',
    };
    for (const file of FILES) {
      const text = (await bytes(file)).toString('utf8');
      assert.ok(text.startsWith(`${headers[file]}\r\n`), file);
      assert.ok(text.endsWith('\r\n'), `${file} ends with CRLF`);
      assert.doesNotMatch(text, /[^\r]\n/, `${file} has a bare LF`);
    }
    const activity = await parseCsv((await bytes('sample-activity.csv')).toString('utf8'));
    assert.equal(activity.length, 12);
    assert.deepEqual(
      activity.map((r) => r.line),
      Array.from({ length: 12 }, (_, i) => String(i + 1)),
    );
  });
});

describe('CSV formula injection', () => {
  test('free-text notes and reasons starting with = + @ - get a leading quote; amounts stay plain negative numbers', async () => {
    const { bytes } = await render(sampleStatement(12));
    const activity = await parseCsv((await bytes('sample-activity.csv')).toString('utf8'));
    assert.equal(activity[3]?.note, `'=HYPERLINK("http://evil.example","click")`);
    assert.equal(activity[4]?.note, "'+1 555 0100, call back");
    assert.equal(activity[5]?.note, "'@SUM(A1:A2)");
    assert.equal(activity[0]?.amount, '-100.00');
    assert.equal(activity[0]?.running_balance, '9900.00');
    for (const row of activity) {
      assert.match(row.amount ?? '', DECIMAL);
      assert.match(row.running_balance ?? '', DECIMAL);
      for (const column of ['booked_at_utc', 'booked_at_local', 'reference', 'transaction_type', 'instrument', 'note', 'currency', 'debit_account', 'credit_account', 'match_status', 'key']) {
        assert.doesNotMatch(row[column] ?? '', FORMULA_START, `line ${row.line} ${column}`);
      }
    }
    const raw = (await bytes('sample-activity.csv')).toString('utf8');
    assert.ok(raw.includes(',-100.00,USD,9900.00,'), 'the negative amount is written as a bare number');

    const exceptions = await parseCsv((await bytes('sample-exceptions.csv')).toString('utf8'));
    assert.equal(exceptions[1]?.reason, "'-@cmd|calc: a note that looks like a formula");
    assert.equal(exceptions[0]?.reason, 'books 10.00 differ from broker 10.01 by 0.01, beyond the tolerance of 0');

    const totals = await parseCsv((await bytes('sample-totals.csv')).toString('utf8'));
    for (const row of totals) {
      for (const column of ['debit', 'credit', 'amount']) if (row[column] !== '') assert.match(row[column] ?? '', DECIMAL, `${row.section} ${row.item} ${column}`);
      for (const column of ['section', 'item', 'account_type', 'currency', 'text']) assert.doesNotMatch(row[column] ?? '', FORMULA_START, `${row.section} ${row.item} ${column}`);
    }
    assert.ok(totals.some((r) => r.section === 'roll_forward' && r.amount === '-108.66'), 'negative totals stay numeric');
  });

  test('every text column is neutralised, whatever the leading character: tab, CR, NUL, full-width equals, a minus in a reference', async () => {
    const sample = sampleStatement(3);
    const lines = await linesOf(sample);
    const hostile = lines.map((line) => ({ ...line }));
    Object.assign(hostile[0] as StatementLine, { reference: '-1+1', instrument: '\tTAB', transactionType: '=TYPE()', key: '@key' });
    Object.assign(hostile[1] as StatementLine, { note: '\r\nCR first', currency: '\0USD', debitAccount: '+4000' });
    Object.assign(hostile[2] as StatementLine, { note: '\uFF1DSUM(A1)', creditAccount: '-1100' });
    const statement: Statement = {
      ...sample.statement,
      header: { ...sample.statement.header, legalEntity: '=cmd|/C calc!A0' },
      exceptions: [{ kind: '+KIND', reason: '\tindented', rule: '@rule', brokerReferences: ['-5', '6'], bookEntryIds: ['=JE'] }],
      notes: [{ title: '-title', text: '@text' }],
    };
    const { bytes } = await render(sourceOf(statement, hostile));
    const activity = await parseCsv((await bytes('sample-activity.csv')).toString('utf8'));
    assert.equal(activity[0]?.reference, "'-1+1");
    assert.equal(activity[0]?.instrument, "'\tTAB");
    assert.equal(activity[0]?.transaction_type, "'=TYPE()");
    assert.equal(activity[0]?.key, "'@key");
    assert.equal(activity[1]?.note, "'\r\nCR first");
    assert.equal(activity[1]?.currency, "'USD", 'the NUL is dropped by the formatter, after the quote went in front');
    assert.equal(activity[1]?.debit_account, "'+4000");
    assert.equal(activity[2]?.note, "'\uFF1DSUM(A1)");
    assert.equal(activity[2]?.credit_account, "'-1100");
    assert.equal(activity[0]?.amount, lines[0]?.amount, 'amounts are never prefixed');

    const exceptions = await parseCsv((await bytes('sample-exceptions.csv')).toString('utf8'));
    assert.deepEqual(exceptions[0], { exception: '1', kind: "'+KIND", rule: "'@rule", reason: "'\tindented", broker_references: "'-5 6", book_entry_ids: "'=JE" });
    const totals = await parseCsv((await bytes('sample-totals.csv')).toString('utf8'));
    assert.equal(totals.find((r) => r.item === 'legal_entity')?.text, "'=cmd|/C calc!A0");
    assert.deepEqual(
      totals.filter((r) => r.section === 'note').map((r) => [r.item, r.text]),
      [["'-title", "'@text"]],
    );
  });

  test('an amount that is not a plain decimal is refused, and no file appears under its final name', async () => {
    const sample = sampleStatement(2);
    const lines = await linesOf(sample);
    const bad = [lines[0] as StatementLine, { ...(lines[1] as StatementLine), amount: '=1+2' }];
    const dir = await freshDir();
    await assert.rejects(writeCsvStatement(sourceOf(sample.statement, bad), dir, 'bad'), StatementRenderError);
    assert.equal(existsSync(path.join(dir, 'bad-activity.csv')), false);
  });

  test('a source that yields fewer lines than its lineCount is refused', async () => {
    const sample = sampleStatement(3);
    const short: StatementSource = { statement: sample.statement, lines: () => sourceOf(sample.statement, []).lines() };
    await assert.rejects(writeCsvStatement(short, await freshDir(), 'short'), /yields 0 lines, the statement's lineCount is 3/);
  });
});

describe('CSV byte-order mark', () => {
  test('with bom: true every file starts with EF BB BF and is otherwise identical; without it, none does', async () => {
    const plain = await render(sampleStatement(12));
    const withBom = await render(sampleStatement(12), { bom: true });
    for (const file of FILES) {
      const a = await plain.bytes(file);
      const b = await withBom.bytes(file);
      assert.notDeepEqual([...a.subarray(0, 3)], [0xef, 0xbb, 0xbf], file);
      assert.deepEqual([...b.subarray(0, 3)], [0xef, 0xbb, 0xbf], file);
      assert.ok(b.subarray(3).equals(a), file);
    }
  });

  test('a file with a header row and no data rows still gets its BOM', async () => {
    const sample = sampleStatement(0);
    const { bytes } = await render(sourceOf({ ...sample.statement, exceptions: [] }, []), { bom: true });
    assert.equal((await bytes('sample-exceptions.csv')).toString('utf8'), '\ufeffexception,kind,rule,reason,broker_references,book_entry_ids\r\n');
    assert.equal((await bytes('sample-activity.csv')).subarray(0, 3).toString('hex'), 'efbbbf');
  });
});

describe('CSV totals prove the roll-forward', () => {
  test('opening + movements = closing on the formatted rows, sub-lines add up to their parent, totals by type add up to the movement', async () => {
    const { bytes } = await render(sampleStatement(12));
    const totals = await parseCsv((await bytes('sample-totals.csv')).toString('utf8'));
    const rollForward = totals.filter((r) => r.section === 'roll_forward');
    const top = rollForward.filter((r) => r.level === '0');
    assert.equal(top[0]?.item, 'Opening balance');
    assert.equal(top.at(-1)?.item, 'Closing balance');
    const opening = toDecimal(top[0]?.amount ?? '');
    const closing = toDecimal(top.at(-1)?.amount ?? '');
    const movements = sum(top.slice(1, -1).map((r) => toDecimal(r.amount ?? '')));
    assert.ok(opening.plus(movements).equals(closing), `${opening} + ${movements} = ${closing}`);

    for (let i = 0; i < rollForward.length; i++) {
      if (rollForward[i]?.level !== '0') continue;
      const children: CsvRow[] = [];
      for (let j = i + 1; j < rollForward.length && rollForward[j]?.level === '1'; j++) children.push(rollForward[j] as CsvRow);
      if (children.length > 0) assert.ok(sum(children.map((c) => toDecimal(c.amount ?? ''))).equals(toDecimal(rollForward[i]?.amount ?? '')), `${rollForward[i]?.item} = its sub-lines`);
    }

    const check = (item: string) => totals.find((r) => r.section === 'roll_forward_check' && r.item === item);
    assert.ok(toDecimal(check('computed_closing')?.amount ?? '').equals(closing));
    assert.ok(toDecimal(check('broker_closing')?.amount ?? '').equals(closing));
    assert.ok(toDecimal(check('difference')?.amount ?? '').isZero());
    assert.equal(check('status')?.text, 'PROVEN');

    const byType = totals.filter((r) => r.section === 'by_type');
    assert.ok(sum(byType.map((r) => toDecimal(r.amount ?? ''))).equals(movements));
    assert.equal(sum(byType.map((r) => toDecimal(r.count ?? ''))).toNumber(), 12);

    const activity = await parseCsv((await bytes('sample-activity.csv')).toString('utf8'));
    assert.ok(toDecimal(activity.at(-1)?.running_balance ?? '').equals(closing), 'the last running balance is the closing balance');
  });
});
