/**
 * The hledger journal, checked by hledger itself: `check -s ordereddates` (every balance assertion,
 * every account declared, dates in order) and `bal` on the broker cash account. Skipped, with the
 * reason, where hledger is not installed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseString } from 'fast-csv';
import { toDecimal } from '../../../lib/money';
import { writeHledgerJournal } from '../../../lib/statements/hledger';
import type { Statement, StatementLine, StatementSource } from '../../../lib/statements/model';
import { sampleStatement } from '../../../lib/statements/sample';
import { StatementRenderError } from '../../../lib/statements/text';
import { assertGolden } from '../../helpers/golden';

const execFileAsync = promisify(execFile);
const CASH_ACCOUNT = 'assets:1100 Broker cash – Capital.com';


const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function render(source: StatementSource) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recon-hledger-'));
  dirs.push(dir);
  const [artifact] = await writeHledgerJournal(source, dir, 'sample');
  assert.ok(artifact);
  const file = path.join(dir, artifact.file);
  return { artifact, file, bytes: await readFile(file) };
}

async function hledger(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('hledger', args, { encoding: 'utf8', env: { ...process.env, LEDGER_FILE: '' } });
  return stdout;
}

/** The balance of exactly `account`, from `hledger bal` in CSV form: `"account","balance"` then one row. */
async function balanceOf(file: string, account: string): Promise<string> {
  const exact = `^${account.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  const csv = await hledger('-f', file, 'bal', '-N', '-O', 'csv', exact);
  const rows = await parseCsv(csv);
  assert.equal(rows.length, 2, csv);
  assert.deepEqual(rows[0], ['account', 'balance']);
  const [name, balance] = rows[1] as [string, string];
  assert.equal(name, account);
  return balance;
}

function parseCsv(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString<string[], string[]>(text)
      .on('data', (row: string[]) => rows.push(row))
      .on('error', reject)
      .on('end', () => resolve(rows));
  });
}

async function linesOf(source: StatementSource): Promise<StatementLine[]> {
  const lines: StatementLine[] = [];
  for await (const line of source.lines()) lines.push(line);
  return lines;
}

function sourceOf(statement: Statement, lines: StatementLine[]): StatementSource {
  return {
    statement: { ...statement, lineCount: lines.length },
    async *lines() {
      yield* lines;
    },
  };
}

describe('hledger journal of the 12-line sample', () => {
  test('matches the reviewed golden file byte for byte, and the artifact records its SHA-256 and size', async () => {
    const { artifact, bytes } = await render(sampleStatement(12));
    assert.equal(artifact.file, 'sample.journal');
    assert.equal(artifact.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(artifact.bytes, bytes.length);
    await assertGolden('hledger-sample.journal', bytes);
  });

  test('rendering twice gives identical bytes and identical SHA-256', async () => {
    const first = await render(sampleStatement(12));
    const second = await render(sampleStatement(12));
    assert.deepEqual(first.artifact, second.artifact);
    assert.ok(first.bytes.equals(second.bytes));
  });

  test('hledger check -s ordereddates passes, and bal on the cash account equals the statement closing balance', async () => {
    const sample = sampleStatement(12);
    const { file } = await render(sample);
    await hledger('-f', file, 'check', '-s', 'ordereddates');
    const balance = await balanceOf(file, CASH_ACCOUNT);
    assert.equal(balance, '9691.90 USD');
    const closing = sample.statement.rollForward.closing ?? '';
    assert.ok(toDecimal(balance.replace(/ USD$/, '')).equals(toDecimal(closing)), `${balance} = ${closing}`);
  });

  test('opening and closing are balance assertions hledger enforces: the sample with no lines closes at the opening', async () => {
    const { file, bytes } = await render(sampleStatement(0));
    assert.match(bytes.toString('utf8'), /assets:1100 Broker cash – Capital\.com +10000\.00 USD = 10000\.00 USD\n/);
    await hledger('-f', file, 'check', '-s', 'ordereddates');
    assert.equal(await balanceOf(file, CASH_ACCOUNT), '10000.00 USD');
  });
});

describe('hledger journal catches what does not add up', () => {
  test('a running balance one cent off fails the check at that line', async () => {
    const sample = sampleStatement(6);
    const lines = await linesOf(sample);
    const tampered = lines.map((line, i) => (i === 3 ? { ...line, runningBalance: toDecimal(line.runningBalance).plus('0.01').toFixed(2) } : line));
    const { file } = await render(sourceOf(sample.statement, tampered));
    await assert.rejects(hledger('-f', file, 'check'), (error: Error & { stderr?: string }) => {
      assert.match(error.stderr ?? '', /balance assertion/i);
      assert.match(error.stderr ?? '', /line: 4,/);
      assert.match(error.stderr ?? '', /difference: 0\.01/);
      return true;
    });
  });

  test('a ledger entry that leaves the broker cash account out is refused', async () => {
    const sample = sampleStatement(2);
    const lines = await linesOf(sample);
    const broken = [lines[0] as StatementLine, { ...(lines[1] as StatementLine), debitAccount: '5200', creditAccount: '4000' }];
    await assert.rejects(render(sourceOf(sample.statement, broken)), StatementRenderError);
  });
});

describe('hledger journal of awkward input', () => {
  test('summer time: a line booked 23:30 UTC on 30 June belongs to July and is dated 2025-07-01; the closing is dated 2025-07-31', async () => {
    const sample = sampleStatement(1);
    const [line] = await linesOf(sample);
    const statement: Statement = {
      ...sample.statement,
      header: { ...sample.statement.header, period: '2025-07', periodStart: '2025-07-01T00:00:00.000+01:00', periodEnd: '2025-08-01T00:00:00.000+01:00' },
    };
    const july = { ...(line as StatementLine), bookedAtUtc: '2025-06-30T23:30:00.000Z', bookedAtLocal: '2025-07-01T00:30:00.000+01:00' };
    const { file, bytes } = await render(sourceOf(statement, [july]));
    const text = bytes.toString('utf8');
    assert.match(text, /^2025-07-01 Opening balance$/m);
    assert.match(text, /^2025-07-01 TRADE 100000 \| Trade closed$/m);
    assert.match(text, /utc: 2025-06-30T23:30:00\.000Z/);
    assert.match(text, /^2025-07-31 Closing balance$/m);
    await hledger('-f', file, 'check', '-s', 'ordereddates');
  });

  test('descriptions, comments and account names cannot break out: ; | newlines, include, colons, quarantined and zero lines, odd currencies', async () => {
    const sample = sampleStatement(4);
    const lines = await linesOf(sample);
    const hostile: StatementLine[] = [
      { ...(lines[0] as StatementLine), note: 'fee; not a comment | not a note\ninclude /etc/passwd', reference: 'R|1;2', instrument: 'GOLD, silver: x' },
      { ...(lines[1] as StatementLine), transactionType: '*!(WEIRD', note: '\r\n2025-01-01 injected\n    assets:x  1 USD' },
      // Quarantined: the cash moved, the ledger has no entry.
      { ...(lines[2] as StatementLine), debitAccount: '', creditAccount: '', matchStatus: 'QUARANTINED' },
      { ...(lines[3] as StatementLine), amount: '0.00', runningBalance: (lines[2] as StatementLine).runningBalance, key: 'k,with,commas' },
    ];
    const closing = (hostile[3] as StatementLine).runningBalance;
    const statement: Statement = {
      ...sample.statement,
      header: { ...sample.statement.header, legalEntity: 'Evil\ninclude /etc/passwd\nLtd', cutOffRule: 'a\r\n2025-01-01 x' },
      rollForward: { ...sample.statement.rollForward, computedClosing: closing },
      totalsByAccount: [
        ...sample.statement.totalsByAccount.filter((a) => a.code !== '4000' && a.code !== '5100'),
        { code: '4000', name: 'Gains: realised  (net)', type: 'income', debit: '0.00', credit: '0.00', net: '0.00' },
        { code: '5100', name: 'Fees;\tand = charges', type: 'expense', debit: '0.00', credit: '0.00', net: '0.00' },
      ],
    };
    const { file, bytes } = await render(sourceOf(statement, hostile));
    const text = bytes.toString('utf8');
    assert.doesNotMatch(text, /^include/m);
    assert.doesNotMatch(text, /^2025-01-01/m);
    assert.doesNotMatch(text, /^ {4}assets:x/m);
    assert.match(text, /^2025-03-01 TRADE R\/1,2 \| fee, not a comment \/ not a note include \/etc\/passwd$/m);
    assert.match(text, /^2025-03-08 WEIRD 100001 \| 2025-01-01 injected assets:x 1 USD$/m);
    assert.match(text, /instrument: GOLD silver: x, match/);
    assert.match(text, /^ {4}income:4000 Gains realised \(net\) +/m);
    assert.match(text, /^account expenses:5100 Fees and charges$/m);
    assert.match(text, /^ {4}equity:unposted +-?\d+\.\d{2} USD$/m);
    assert.match(text, /key: k with commas/);

    await hledger('-f', file, 'check', '-s', 'ordereddates');
    assert.ok(toDecimal((await balanceOf(file, CASH_ACCOUNT)).replace(/ USD$/, '')).equals(toDecimal(closing)));
    assert.match(await hledger('-f', file, 'print', 'desc:WEIRD'), /WEIRD 100001/);
  });

  test('a currency that is not letters only is quoted, and a scale of 0 formats whole units', async () => {
    const sample = sampleStatement(2);
    const lines = await linesOf(sample);
    const whole = (amount: string) => toDecimal(amount).toFixed(0);
    const rebased: StatementLine[] = [];
    let running = toDecimal('10000');
    for (const line of lines) {
      running = running.plus(whole(line.amount));
      rebased.push({ ...line, amount: whole(line.amount), runningBalance: running.toFixed(0), currency: 'JPY1' });
    }
    const statement: Statement = {
      ...sample.statement,
      header: { ...sample.statement.header, baseCurrency: 'JPY1', scale: 0 },
      rollForward: { ...sample.statement.rollForward, opening: '10000', computedClosing: running.toFixed(0), closing: running.toFixed(0), difference: '0' },
    };
    const { file, bytes } = await render(sourceOf(statement, rebased));
    const text = bytes.toString('utf8');
    assert.match(text, /^commodity 1000\. "JPY1"$/m);
    assert.match(text, /10000 "JPY1" = 10000 "JPY1"/);
    await hledger('-f', file, 'check', '-s', 'ordereddates');
    assert.equal(await balanceOf(file, CASH_ACCOUNT), `${running.toFixed(0)} "JPY1"`);
  });
});
