import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { contentTypeOf } from '../../../api/http/content-types';
import { toCsv } from '../../../api/http/csv';
import { statementFilePath } from '../../../api/statements/safe-path';
import { ContentChangedError, sha256Verifier } from '../../../api/statements/verified-stream';

describe('statement files: names, types, paths and the hash they are served with', () => {
  test('every format has its content type', () => {
    assert.equal(contentTypeOf('statement-1-2025-01-activity.csv'), 'text/csv; charset=utf-8');
    assert.equal(contentTypeOf('statement-1-2025-01.json'), 'application/json');
    assert.equal(contentTypeOf('statement-1-2025-01.xlsx'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(contentTypeOf('statement-1-2025-01.pdf'), 'application/pdf');
    assert.equal(contentTypeOf('statement-1-2025-01.journal'), 'text/plain; charset=utf-8');
    assert.equal(contentTypeOf('passwd'), undefined);
  });

  test('paths stay inside the run directory, as recon verify finds them', () => {
    assert.equal(statementFilePath('/srv/out', 'recon:1:2025-01', 'trace.json'), path.resolve('/srv/out/recon_1_2025-01/trace.json'));
    for (const file of ['../x.csv', '..', '/etc/passwd', 'a/b.csv', '.hidden', 'a..csv', 'x\\y.csv', '']) {
      assert.equal(statementFilePath('/srv/out', 'recon:1:2025-01', file), undefined, file);
    }
    assert.equal(statementFilePath('/srv/out', '..', 'trace.json'), undefined);
    assert.equal(statementFilePath('/srv/out', '.', 'trace.json'), undefined);
  });

  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const chunks = [Buffer.from('hello, '), Buffer.from('statement '), Buffer.from('world\n')];

  test('the verifier passes the bytes through when they hash to the recorded value', async () => {
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), sha256Verifier(sha256(Buffer.concat(chunks))), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    });
    assert.equal(Buffer.concat(out).toString(), 'hello, statement world\n');
  });

  test('...and fails before the last chunk when they do not, so no complete wrong file goes out', async () => {
    const out: Buffer[] = [];
    await assert.rejects(
      pipeline(Readable.from(chunks), sha256Verifier('0'.repeat(64)), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) out.push(chunk);
      }),
      ContentChangedError,
    );
    assert.ok(Buffer.concat(out).length < Buffer.concat(chunks).length);
  });

  test('CSV: RFC 4180 quoting, formulas neutralised in text, amounts untouched', () => {
    const csv = toCsv(
      [
        { header: 'note', kind: 'text', value: (r: { note: string; amount: string }) => r.note },
        { header: 'amount', kind: 'number', value: (r: { note: string; amount: string }) => r.amount },
      ],
      [
        { note: '=HYPERLINK("x")', amount: '-80.43' },
        { note: 'a, "b"', amount: '12345678901234567.89' },
      ],
    );
    assert.equal(csv, 'note,amount\r\n"\'=HYPERLINK(""x"")",-80.43\r\n"a, ""b""",12345678901234567.89\r\n');
  });
});
