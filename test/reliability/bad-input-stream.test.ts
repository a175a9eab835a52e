/**
 * Bad streaming input (reliability suite, issue #10): malformed WebSocket frames through
 * `readServerFrame` (decoded as the connection decodes them), and the quotes they yield, plus
 * malformed quote objects, through `QuoteSink.accept` into the real database. The reader never
 * throws and calls malformed frames malformed; the sink counts every bad quote as rejected and
 * stores exactly the well-formed ones, as sent.
 *
 * Cases come from test/helpers/bad-input.ts, seeded: a failure prints the seed and case index.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readServerFrame, type Quote, type ServerFrame } from '../../lib/capital/streaming';
import { canonical, toDecimal } from '../../lib/money';
import { QuoteSink } from '../../lib/store/market-sink';
import { QUOTES_PREFIX } from '../../lib/store/market-quotes';
import type { MongoHandle } from '../../lib/store/mongo';
import { caseIndexes, CaseFailures, countProcessFailures, frameCase, quoteObjectCase, type FrameCase } from '../helpers/bad-input';
import { OFFICIAL_EXAMPLES_DIR } from '../helpers/official-examples';
import { bySize } from '../helpers/reliability';
import { quietLog } from '../helpers/simulator';
import { openTestDatabase, testStack } from '../helpers/stack';

const FRAME_CASES = bySize({ full: 10_000, reduced: 1_000 });
const QUOTE_OBJECT_CASES = bySize({ full: 2_000, reduced: 200 });
/** Every generated quote is on this day (one quote collection), the sink's clock an hour in. */
const DAY_START_MS = Date.UTC(2026, 0, 5);
const NOW_MS = DAY_START_MS + 3_600_000;
const FRAME_KINDS = new Set<ServerFrame['kind']>(['quote', 'ohlc', 'ack', 'pong', 'error', 'other', 'malformed']);

/** The documented server frames, without the file's `_direction`/`_note` annotations. */
function serverExamples(): Array<Record<string, unknown>> {
  const frames = JSON.parse(readFileSync(path.join(OFFICIAL_EXAMPLES_DIR, 'websocket-frames.json'), 'utf8')) as Array<Record<string, unknown>>;
  return frames.filter((f) => f._direction === 'server->client').map((f) => Object.fromEntries(Object.entries(f).filter(([k]) => !k.startsWith('_'))));
}

/** The documented shape of a quote the store may keep: an epic, whole epoch ms, finite prices. */
function wellFormed(quote: Quote): boolean {
  return (
    typeof quote.epic === 'string' &&
    /^[A-Z0-9][A-Z0-9._-]{0,63}$/.test(quote.epic) &&
    Number.isSafeInteger(quote.timestamp) &&
    quote.timestamp >= 0 &&
    quote.timestamp <= 253_402_300_799_999 &&
    Number.isFinite(quote.bid) &&
    Number.isFinite(quote.ofr)
  );
}

const storedId = (quote: Quote) => `${quote.epic}:${quote.timestamp}:${canonical(toDecimal(quote.bid))}:${canonical(toDecimal(quote.ofr))}`;

describe('bad streaming input: frames read as malformed, bad quotes rejected and never stored', () => {
  let mongo: MongoHandle;
  let sink: QuoteSink;
  const failures = countProcessFailures();
  /** Ids of the quotes the sink took, as the store keys them. */
  const taken = new Set<string>();

  before(async () => {
    mongo = await openTestDatabase(testStack(), 'bad_quotes');
    sink = new QuoteSink({ db: mongo.db, log: quietLog, now: () => NOW_MS, writeEveryMs: 25 });
  });

  after(async () => {
    failures.stop();
    await mongo?.close();
  });

  /**
   * Every quote in every day's quote collection, as `epic:atMs:bid:ask`, read from the documents
   * themselves (not by epic and time: a bad quote could be under any epic, on any day). Reads both
   * layouts the store has used: a chunk of rows (`quotesJson`) or one quote per document.
   */
  async function everyStoredQuote(): Promise<string[]> {
    const names = (await mongo.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => name.startsWith(QUOTES_PREFIX));
    const ids: string[] = [];
    for (const name of names) {
      for (const doc of await mongo.db.collection<Record<string, unknown>>(name).find({}).toArray()) {
        if (typeof doc.quotesJson === 'string') {
          for (const [atMs, bid, ask] of JSON.parse(doc.quotesJson) as Array<[number, string, string]>) ids.push(`${String(doc.epic)}:${atMs}:${bid}:${ask}`);
        } else ids.push(`${String(doc.epic)}:${String(doc.atMs)}:${String(doc.bid)}:${String(doc.ask)}`);
      }
    }
    return ids;
  }

  /** Hands a quote to the sink; what is wrong with how it was counted, if anything. */
  function offer(quote: Quote, mustAccept: boolean): string | undefined {
    const before = sink.stats();
    sink.accept(quote, NOW_MS);
    const after = sink.stats();
    const rejected = after.quotesRejected - before.quotesRejected;
    const received = after.quotesReceived - before.quotesReceived;
    if (mustAccept) {
      if (received !== 1 || rejected !== 0) return `a well-formed quote was not taken (received +${received}, rejected +${rejected})`;
      taken.add(storedId(quote));
      return undefined;
    }
    return rejected === 1 && received === 0 ? undefined : `a bad quote was not counted as rejected (received +${received}, rejected +${rejected})`;
  }

  function judgeFrame(c: FrameCase): string | undefined {
    let frame: ServerFrame;
    try {
      frame = readServerFrame(c.bytes.toString('utf8'));
    } catch (error) {
      return `readServerFrame threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    if (!FRAME_KINDS.has(frame.kind)) return `unknown frame kind ${String(frame.kind)}`;
    if (frame.kind === 'malformed' && (typeof frame.problem !== 'string' || frame.problem === '')) return 'malformed without a reason';
    if (c.expect.frame === 'malformed' && frame.kind !== 'malformed') return `read as ${frame.kind}, not malformed`;
    if (c.expect.frame === 'quote' && frame.kind !== 'quote') return `read as ${frame.kind}${frame.kind === 'malformed' ? ` (${frame.problem})` : ''}, not as a quote`;
    if (frame.kind !== 'quote') return undefined;
    const mustAccept = c.expect.frame === 'quote' ? c.expect.sink === 'accept' : wellFormed(frame.quote);
    if (mustAccept !== wellFormed(frame.quote)) return `the case expects the sink to ${mustAccept ? 'take' : 'refuse'} a quote that is${wellFormed(frame.quote) ? '' : ' not'} well-formed`;
    return offer(frame.quote, mustAccept);
  }

  test(`${FRAME_CASES} malformed frames through readServerFrame and QuoteSink.accept`, async (t) => {
    const started = Date.now();
    const examples = serverExamples();
    const problems = new CaseFailures();
    const kinds = new Map<string, number>();
    for (const [n, index] of caseIndexes(FRAME_CASES).entries()) {
      const c = frameCase(index, examples, DAY_START_MS);
      const problem = judgeFrame(c);
      if (problem) problems.add(c.description, problem);
      const kind = c.description.split(' ')[3] ?? '';
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      // Let the sink's writer run now and then, as it would between WebSocket messages.
      if (n % 200 === 199) await new Promise((resolve) => setImmediate(resolve));
    }
    const stats = sink.stats();
    t.diagnostic(`${FRAME_CASES} frames in ${((Date.now() - started) / 1000).toFixed(1)} s: quotes taken ${stats.quotesReceived}, rejected ${stats.quotesRejected}; ${[...kinds].map(([k, n]) => `${k.replace('kind=', '')} ${n}`).join(', ')}`);
    assert.equal(problems.count, 0, problems.message());
    assert.equal(failures.count, 0, `unhandled: ${failures.first}`);
  });

  test(`${QUOTE_OBJECT_CASES} malformed quote objects handed to QuoteSink.accept are all rejected`, () => {
    const problems = new CaseFailures();
    for (const index of caseIndexes(QUOTE_OBJECT_CASES)) {
      const c = quoteObjectCase(index, DAY_START_MS);
      try {
        const problem = offer(c.quote as unknown as Quote, false);
        if (problem) problems.add(c.description, problem);
      } catch (error) {
        problems.add(c.description, `accept threw ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    assert.equal(problems.count, 0, problems.message());
  });

  test('the store holds exactly the well-formed quotes, as sent', async () => {
    await sink.close();
    assert.equal(sink.error, undefined, `the sink's writes failed: ${sink.error?.message}`);
    const stored = await everyStoredQuote();
    const unexpected = stored.filter((id) => !taken.has(id)).map((id) => id.slice(0, 80));
    assert.deepEqual(unexpected, [], 'nothing but the well-formed quotes is stored');
    assert.equal(stored.length, taken.size, 'every well-formed quote is stored once');
    assert.equal(sink.stats().quotesStored, taken.size);
    assert.equal(failures.count, 0, `unhandled: ${failures.first}`);
  });
});
