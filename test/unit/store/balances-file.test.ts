import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BalancesFileError, readBalancesFile } from '../../../lib/store/balances-file';

let dir: string;
let written = 0;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'recon-balances-file-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `content` (text as is, anything else as JSON) to a fresh file and returns its path. */
async function balancesFile(content: unknown): Promise<string> {
  const file = path.join(dir, `balances-${++written}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2), 'utf8');
  return file;
}

const statement = (overrides: Record<string, unknown> = {}) => ({ accountId: 'ACC-1', at: '2025-01-31T23:59:59Z', cash: '10234.56', currency: 'USD', ...overrides });

/** Asserts that reading `file` fails with a BalancesFileError whose message starts with the file and matches `pattern`. */
async function rejects(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readBalancesFile(file), (error: unknown) => {
    assert.ok(error instanceof BalancesFileError, `expected a BalancesFileError, got ${String(error)}`);
    assert.equal(error.name, 'BalancesFileError');
    assert.ok(error.message.startsWith(`${file}: `), `the message names the file: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('balances file: a statement import', () => {
  test('valid records become snapshot documents: id from account, instant and source; exact cash; an exact instant', async () => {
    const file = await balancesFile([
      statement(),
      statement({ accountId: ' ACC-2 ', at: '2025-01-01T00:00:00.000+01:00', cash: ' -0012.500 ', currency: 'EUR' }),
      statement({ at: '2024-12-31T23:00:00-05:30', cash: '-0.00' }),
    ]);
    const documents = await readBalancesFile(file);
    const endOfJanuary = Date.UTC(2025, 0, 31, 23, 59, 59);
    const newYearInParis = Date.UTC(2024, 11, 31, 23, 0, 0);
    const newYearEveAtMinus0530 = Date.UTC(2025, 0, 1, 4, 30, 0);
    assert.deepEqual(documents, [
      {
        _id: 'ACC-1:2025-01-31T23:59:59.000Z:statement',
        accountId: 'ACC-1',
        atMs: endOfJanuary,
        at: new Date(endOfJanuary),
        uncertainUntilMs: endOfJanuary,
        cash: '10234.56',
        currency: 'USD',
        source: 'statement',
        takenBy: file,
      },
      {
        _id: 'ACC-2:2024-12-31T23:00:00.000Z:statement',
        accountId: 'ACC-2',
        atMs: newYearInParis,
        at: new Date(newYearInParis),
        uncertainUntilMs: newYearInParis,
        cash: '-12.5',
        currency: 'EUR',
        source: 'statement',
        takenBy: file,
      },
      {
        _id: 'ACC-1:2025-01-01T04:30:00.000Z:statement',
        accountId: 'ACC-1',
        atMs: newYearEveAtMinus0530,
        at: new Date(newYearEveAtMinus0530),
        uncertainUntilMs: newYearEveAtMinus0530,
        cash: '0',
        currency: 'USD',
        source: 'statement',
        takenBy: file,
      },
    ]);
  });

  test('cash keeps every digit: no float rounding of large or long amounts', async () => {
    const file = await balancesFile([statement({ cash: '99999999999999999.99' }), statement({ cash: '0.30000000000000004440892098500626' })]);
    const documents = await readBalancesFile(file);
    assert.deepEqual(
      documents.map((d) => d.cash),
      ['99999999999999999.99', '0.30000000000000004440892098500626'],
    );
  });

  test('the same statement read twice gives the same ids (re-importing changes nothing)', async () => {
    const file = await balancesFile([statement()]);
    const same = await balancesFile([statement({ at: '2025-02-01T00:59:59+01:00', cash: '10234.5600' })]);
    const [first] = await readBalancesFile(file);
    const [second] = await readBalancesFile(same);
    assert.equal(first?._id, second?._id);
    assert.equal(first?.cash, second?.cash);
  });

  test('an empty array is an empty import', async () => {
    assert.deepEqual(await readBalancesFile(await balancesFile([])), []);
  });
});

describe('balances file: errors name the record and the field', () => {
  test('an instant without a zone is refused (record 2, field at)', async () => {
    const file = await balancesFile([statement(), statement({ at: '2025-01-31T23:59:59' })]);
    await rejects(file, /: record 2: at: expected an ISO-8601 instant with a zone, e\.g\. 2025-01-31T23:59:59Z$/);
  });

  test('an instant that is no date at all is refused', async () => {
    await rejects(await balancesFile([statement({ at: 'end of January Z' })]), /: record 1: at: expected an ISO-8601 instant with a zone/);
  });

  test('cash as a JSON number is refused: it must be a string', async () => {
    const file = await balancesFile('[{ "accountId": "ACC-1", "at": "2025-01-31T23:59:59Z", "cash": 10234.56, "currency": "USD" }]');
    await rejects(file, /: record 1: cash: expected a decimal string such as "10234\.56" \(not a JSON number: it would not be exact\)/);
  });

  test('cash text that is not a plain decimal is refused with the expected form', async () => {
    for (const cash of ['10,234.56', '1e3', '+5', '12.', '']) {
      await rejects(await balancesFile([statement({ cash })]), /: record 1: cash: expected a decimal string such as "10234\.56"/);
    }
  });

  test('a missing field is named', async () => {
    const { currency: _currency, ...withoutCurrency } = statement();
    await rejects(await balancesFile([withoutCurrency]), /: record 1: currency: /);
    await rejects(await balancesFile([statement({ accountId: '   ' })]), /: record 1: accountId: /);
  });

  test('a record that is not an object is named as the record', async () => {
    await rejects(await balancesFile([statement(), 42]), /: record 2: record: .*expected object/);
  });

  test('a file that is not an array is refused with the expected shape', async () => {
    await rejects(await balancesFile(statement()), /: expected a JSON array of \{ accountId, at, cash, currency \}$/);
  });

  test('invalid JSON is refused, naming the file, with the parser error as the cause', async () => {
    const file = await balancesFile('[{ "accountId": "ACC-1", ');
    await rejects(file, /JSON/);
    await assert.rejects(readBalancesFile(file), (error: unknown) => error instanceof BalancesFileError && error.cause instanceof SyntaxError);
  });

  test('a missing file is a BalancesFileError naming it', async () => {
    await rejects(path.join(dir, 'no-such-file.json'), /ENOENT/);
  });
});

describe('balances file: instants must be real ISO-8601 instants', () => {
  // Date.parse is lenient: it rolls impossible dates over and accepts other formats, so a typo in
  // a statement would silently move the anchor instead of being refused.
  async function refusesInstant(at: string): Promise<void> {
    const file = await balancesFile([statement({ at })]);
    const read = await readBalancesFile(file).then(
      (documents) => documents.map((d) => d.at.toISOString()),
      (error: unknown) => error,
    );
    assert.ok(read instanceof BalancesFileError, `'${at}' should be refused, but it was read as ${JSON.stringify(read)}`);
    assert.match(read.message, /: record 1: at: expected an ISO-8601 instant/);
  }

  test('an impossible calendar date (30 February) is refused, not rolled over to 2 March', async () => {
    await refusesInstant('2025-02-30T00:00:00Z');
  });

  test('a non-ISO date with a zone suffix (01/02/2025: January or February?) is refused', async () => {
    await refusesInstant('01/02/2025 00:00:00+01:00');
  });
});
