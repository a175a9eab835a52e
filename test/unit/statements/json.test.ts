/**
 * The JSON statement against its published schema. No JSON Schema 2020-12 validator is a
 * dependency of the project (the top-level `ajv` is eslint's v6, which stops at draft-07), so the
 * schema is turned into a validator with zod's `fromJSONSchema`, and a set of broken documents
 * proves that validator rejects what the schema forbids.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { writeJsonStatement } from '../../../lib/statements/json';
import type { Statement, StatementLine, StatementSource } from '../../../lib/statements/model';
import { sampleStatement } from '../../../lib/statements/sample';
import { assertGolden } from '../../helpers/golden';

const SCHEMA_PATH = path.join(__dirname, '../../../lib/statements/statement.schema.json');

type Json = Record<string, unknown>;
type JsonDocument = Json & { header: Json; rollForward: Json & { lines: Json[] }; reconciliation: Json; lines: Json[]; positions: Json[] | null };

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function render(source: StatementSource) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recon-json-'));
  dirs.push(dir);
  const [artifact] = await writeJsonStatement(source, dir, 'sample');
  assert.ok(artifact);
  const bytes = await readFile(path.join(dir, artifact.file));
  return { artifact, bytes, document: JSON.parse(bytes.toString('utf8')) as JsonDocument };
}

async function loadSchema(): Promise<Json & { $defs: Record<string, Json & { properties: Json }>; properties: Json }> {
  return JSON.parse(await readFile(SCHEMA_PATH, 'utf8'));
}

async function validator() {
  return z.fromJSONSchema((await loadSchema()) as Parameters<typeof z.fromJSONSchema>[0]);
}

describe('JSON statement of the 12-line sample', () => {
  test('matches the reviewed golden file byte for byte, and the artifact records its SHA-256 and size', async () => {
    const { artifact, bytes } = await render(sampleStatement(12));
    assert.equal(artifact.file, 'sample.json');
    assert.equal(artifact.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(artifact.bytes, bytes.length);
    await assertGolden('json-sample.json', bytes);
  });

  test('rendering twice gives identical bytes and identical SHA-256', async () => {
    const first = await render(sampleStatement(12));
    const second = await render(sampleStatement(12));
    assert.deepEqual(first.artifact, second.artifact);
    assert.ok(first.bytes.equals(second.bytes));
  });

  test('the streamed text is exactly JSON.stringify(document, null, 2) plus a newline, with or without lines', async () => {
    for (const lineCount of [0, 1, 12]) {
      const { bytes, document } = await render(sampleStatement(lineCount));
      assert.equal(bytes.toString('utf8'), `${JSON.stringify(document, null, 2)}\n`, `${lineCount} lines`);
      assert.equal(document.lines.length, lineCount);
      assert.deepEqual(
        document.lines.map((l) => l.line),
        Array.from({ length: lineCount }, (_, i) => i + 1),
      );
    }
  });

  test('amounts are decimal strings, never JSON numbers', async () => {
    const { document } = await render(sampleStatement(12));
    const first = document.lines[0] as Json;
    assert.equal(first.amount, '-100.00');
    assert.equal(first.runningBalance, '9900.00');
    assert.equal((document.rollForward as Json).opening, '10000.00');
  });
});

describe('JSON statement against statement.schema.json (draft 2020-12)', () => {
  test('the schema declares draft 2020-12', async () => {
    assert.equal((await loadSchema()).$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  test('the sample validates: 12 lines, no lines, and positions, orders and broker closing not captured (null)', async () => {
    const validate = await validator();
    const sample = sampleStatement(12);
    const notCaptured: Statement = { ...sample.statement, positions: undefined, workingOrders: undefined, positionsAt: undefined, rollForward: { ...sample.statement.rollForward, status: 'UNPROVEN', closing: undefined, closingSource: undefined, difference: undefined } };
    const sources: StatementSource[] = [sample, sampleStatement(0), { statement: notCaptured, lines: () => sample.lines() }];
    for (const source of sources) {
      const { document } = await render(source);
      const result = validate.safeParse(document);
      assert.ok(result.success, JSON.stringify(result.error?.issues, null, 2));
    }
    const { document } = await render({ statement: notCaptured, lines: () => sample.lines() });
    assert.equal(document.positions, null);
    assert.equal(document.workingOrders, null);
    assert.equal(document.positionsAt, null);
    const captured = await render({ statement: { ...sample.statement, positionsAt: '2025-04-01T00:02:00.000Z' }, lines: () => sample.lines() });
    assert.equal(captured.document.positionsAt, '2025-04-01T00:02:00.000Z');
    assert.ok(validate.safeParse(captured.document).success);
    assert.equal((document.rollForward as Json).closing, null);
  });

  test('the validator rejects what the schema forbids: a wrong amount, an extra or missing key, a bad enum, a local time where UTC is due', async () => {
    const validate = await validator();
    const { document } = await render(sampleStatement(12));
    const broken: Array<[string, (d: JsonDocument) => void]> = [
      ['amount in exponent form', (d) => ((d.lines[0] as Json).amount = '1e3')],
      ['amount as a JSON number', (d) => ((d.lines[0] as Json).amount = -100)],
      ['amount with a leading plus', (d) => ((d.rollForward as Json).opening = '+10000.00')],
      ['extra key in a line', (d) => ((d.lines[0] as Json).extra = 'x')],
      ['extra top-level key', (d) => (d.extra = 1)],
      ['missing audit', (d) => delete d.audit],
      ['missing line field', (d) => delete (d.lines[0] as Json).matchStatus],
      ['unknown match status', (d) => ((d.lines[0] as Json).matchStatus = 'PERHAPS')],
      ['unknown roll-forward status', (d) => ((d.rollForward as Json).status = 'OK')],
      ['roll-forward level 2', (d) => ((d.rollForward.lines[0] as Json).level = 2)],
      ['generatedAt with an offset', (d) => ((d.header as Json).generatedAt = '2025-04-01T01:05:00.000+01:00')],
      ['bookedAtUtc not a date-time', (d) => ((d.lines[0] as Json).bookedAtUtc = 'yesterday')],
      ['line number 0', (d) => ((d.lines[0] as Json).line = 0)],
      ['negative exception count', (d) => ((d.reconciliation.exceptionsByKind as Json).AMOUNT_MISMATCH = -1)],
      ['sha256 in capitals', (d) => ((d.audit as Json).chainHead = 'A'.repeat(64))],
      ['formatVersion 2', (d) => (d.formatVersion = 2)],
      ['position without a deal id', (d) => delete (d.positions?.[0] as Json).dealId],
      ['positionsAt with an offset', (d) => (d.positionsAt = '2025-04-01T01:02:00.000+01:00')],
    ];
    for (const [what, breakIt] of broken) {
      const copy = structuredClone(document);
      breakIt(copy);
      assert.equal(validate.safeParse(copy).success, false, what);
    }
  });

  test('keys come in the schema order at every level that has a fixed shape', async () => {
    const schema = await loadSchema();
    const { document } = await render(sampleStatement(12));
    const order = (properties: Json) => Object.keys(properties);
    assert.deepEqual(Object.keys(document), order(schema.properties));
    for (const part of ['header', 'rollForward', 'reconciliation', 'audit'] as const) {
      assert.deepEqual(Object.keys(document[part] as Json), order(schema.$defs[part]?.properties ?? {}), part);
    }
    assert.deepEqual(Object.keys(document.lines[0] as Json), order(schema.$defs.line?.properties ?? {}));
    assert.deepEqual(Object.keys((document.positions ?? [])[0] as Json), order(schema.$defs.position?.properties ?? {}));
    assert.deepEqual(Object.keys((document.exceptions as Json[])[0] as Json), order(schema.$defs.exception?.properties ?? {}));
  });

  test('the key order does not depend on how the source built its objects', async () => {
    const sample = sampleStatement(2);
    const reversed = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).reverse()) as T;
    const shuffled: StatementSource = {
      statement: { ...reversed(sample.statement), header: reversed(sample.statement.header), reconciliation: { ...sample.statement.reconciliation, exceptionsByKind: { Z_KIND: 1, AMOUNT_MISMATCH: 0 } } },
      async *lines() {
        for await (const line of sample.lines()) yield reversed(line) as StatementLine;
      },
    };
    const plain: StatementSource = { statement: { ...sample.statement, reconciliation: { ...sample.statement.reconciliation, exceptionsByKind: { AMOUNT_MISMATCH: 0, Z_KIND: 1 } } }, lines: () => sample.lines() };
    assert.ok((await render(shuffled)).bytes.equals((await render(plain)).bytes));
  });
});
