import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StatementLine, StatementSource } from '../../../lib/statements/model';
import { sampleStatement } from '../../../lib/statements/sample';
import { withSharedLines } from '../../../lib/statements/tee';

async function collect(view: StatementSource, delayEvery = 0): Promise<number[]> {
  const seen: number[] = [];
  for await (const line of view.lines()) {
    seen.push(line.line);
    if (delayEvery && line.line % delayEvery === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return seen;
}

/** The sample's lines, counting how many were read from the underlying stream. */
function counted(lineCount: number): { source: StatementSource; reads: () => number } {
  const sample = sampleStatement(lineCount);
  let reads = 0;
  return {
    source: {
      statement: sample.statement,
      async *lines(): AsyncIterable<StatementLine> {
        for await (const line of sample.lines()) {
          reads++;
          yield line;
        }
      },
    },
    reads: () => reads,
  };
}

describe('one read of the lines shared by several writers', () => {
  test('every consumer gets every line once, in order, from a single pass', async () => {
    const { source, reads } = counted(2_000);
    const results = await withSharedLines(source, [(v) => collect(v), (v) => collect(v, 50), (v) => collect(v, 7)]);
    const expected = Array.from({ length: 2_000 }, (_, i) => i + 1);
    for (const seen of results) assert.deepEqual(seen, expected);
    assert.equal(reads(), 2_000);
  });

  test('the reader never runs more than the window ahead of the slowest consumer', async () => {
    const { source, reads } = counted(3_000);
    let slowSeen = 0;
    let worstLead = 0;
    await withSharedLines(source, [
      async (v) => {
        for await (const _line of v.lines()) worstLead = Math.max(worstLead, reads() - slowSeen);
      },
      async (v) => {
        for await (const _line of v.lines()) {
          slowSeen++;
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    ]);
    assert.ok(worstLead <= 513, `the reader ran ${worstLead} lines ahead`);
  });

  test('a failing consumer fails the others instead of leaving them waiting; one that stops early releases them', async () => {
    const { source } = counted(5_000);
    await assert.rejects(
      withSharedLines(source, [
        (v) => collect(v),
        async (v) => {
          for await (const line of v.lines()) if (line.line === 100) throw new Error('disk full');
          return [];
        },
      ]),
      /disk full/,
    );
    const again = counted(5_000);
    const [all, firstTen] = await withSharedLines(again.source, [
      (v) => collect(v),
      async (v) => {
        const seen: number[] = [];
        for await (const line of v.lines()) if (seen.push(line.line) === 10) break;
        return seen;
      },
    ]);
    assert.equal(all?.length, 5_000);
    assert.equal(firstTen?.length, 10);
  });

  test('a writer reads its view once', async () => {
    const { source } = counted(3);
    await assert.rejects(
      withSharedLines(source, [
        async (v) => {
          await collect(v);
          return collect(v);
        },
      ]),
      /read only once/,
    );
  });
});
