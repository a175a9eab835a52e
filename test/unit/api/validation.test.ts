import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { ApiError } from '../../../api/http/errors';
import { accountId, instant, pageLimit, period, timeZone, transactionTypes, workflowId } from '../../../api/http/fields';
import { parseInput } from '../../../api/http/validation';

function issuesOf(run: () => unknown): Array<{ field: string; reason: string }> {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ApiError);
    assert.equal(error.statusCode, 400);
    return error.issues ?? [];
  }
  assert.fail('expected a 400');
}

describe('input validation: 400 with every field and its reason', () => {
  const query = z.strictObject({ accountId, period: period.optional(), limit: pageLimit(10, 100) });

  test('good input is parsed and defaults applied', () => {
    assert.deepEqual(parseInput(query, { accountId: 'A-1', limit: '7' }, 'query'), { accountId: 'A-1', limit: 7 });
    assert.deepEqual(parseInput(query, { accountId: 'A-1' }, 'query'), { accountId: 'A-1', limit: 10 });
  });

  test('each bad field is named with where it was and why', () => {
    const issues = issuesOf(() => parseInput(query, { period: '2025-13', limit: '0', acount: 'x' }, 'query'));
    assert.deepEqual(
      issues.map((i) => i.field).sort(),
      ['query.accountId', 'query.acount', 'query.limit', 'query.period'],
    );
    assert.equal(issues.find((i) => i.field === 'query.accountId')?.reason, 'required');
    assert.equal(issues.find((i) => i.field === 'query.acount')?.reason, 'unknown parameter');
    assert.match(issues.find((i) => i.field === 'query.period')!.reason, /month like 2025-01/);
    assert.match(issues.find((i) => i.field === 'query.limit')!.reason, /whole number from 1 to 100/);
  });

  test('a repeated parameter is not silently reduced to one value', () => {
    assert.deepEqual(issuesOf(() => parseInput(query, { accountId: ['a', 'b'] }, 'query')).map((i) => i.field), ['query.accountId']);
  });

  test('ids keep to their characters: nothing to escape in a visibility query or a path', () => {
    for (const bad of ["a'b", 'a b', '../x', '', 'x'.repeat(65)]) assert.equal(accountId.safeParse(bad).success, false, bad);
    assert.equal(workflowId.safeParse('recon:123:2025-01:rerun-2').success, true);
    for (const bad of ['recon:../etc', "recon:1' OR 1=1", 'recon:/x', '..']) assert.equal(workflowId.safeParse(bad).success, false, bad);
  });

  test('time zones are IANA names, with their case corrected', () => {
    assert.equal(timeZone.parse('europe/london'), 'Europe/London');
    assert.equal(timeZone.safeParse('Mars/Olympus').success, false);
  });

  test('transaction types: distinct, shaped like the broker sends them', () => {
    assert.equal(transactionTypes.safeParse(['DEPOSIT', 'WITHDRAWAL']).success, true);
    assert.equal(transactionTypes.safeParse(['DEPOSIT', 'DEPOSIT']).success, false);
    assert.equal(transactionTypes.safeParse(['deposit']).success, false);
    assert.equal(transactionTypes.safeParse([]).success, false);
  });

  test('instants are ISO times converted to UTC milliseconds; a date is its UTC midnight', () => {
    assert.equal(instant.parse('2025-01-01'), Date.UTC(2025, 0, 1));
    assert.equal(instant.parse('2025-01-01T01:00:00+01:00'), Date.UTC(2025, 0, 1));
    assert.equal(instant.parse('2025-01-01T00:00:00.250Z'), Date.UTC(2025, 0, 1) + 250);
    assert.equal(instant.safeParse('2025-01-01 00:00').success, false);
    assert.equal(instant.safeParse('yesterday').success, false);
  });
});
