/**
 * What the text writers (CSV, JSON, hledger) share: writing to the artifact stream with
 * backpressure, and the checks every writer makes on the lines it streams. Writers format, they do
 * not compute; these checks only refuse input that would render as something it is not.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { formatFixed, toDecimal } from '../money';
import type { StatementLine, StatementSource } from './model';

/** The statement data breaks a promise of the model: nothing is written under the final name. */
export class StatementRenderError extends Error {
  override name = 'StatementRenderError';
}

/**
 * A plain decimal as the model promises it: optional minus, no leading zeros, optional fraction; no
 * exponent, no `+`. The same pattern as `decimal` in `statement.schema.json`.
 */
const DECIMAL_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** Returns `value` unchanged when it is a plain decimal; otherwise throws, naming `what`. */
export function assertDecimal(value: string, what: string): string {
  if (!DECIMAL_TEXT.test(value)) throw new StatementRenderError(`${what} is not a plain decimal: '${value}'`);
  return value;
}

/** `-x` as text with the same number of decimals (`12.30` → `-12.30`, `-0.50` → `0.50`, `0.00` → `0.00`). */
export function negateDecimal(value: string, what: string): string {
  const scale = assertDecimal(value, what).split('.')[1]?.length ?? 0;
  return formatFixed(toDecimal(value).negated(), scale);
}

/** Writes `text`, waiting for `drain` when the stream's buffer is full. */
export async function writeText(out: Writable, text: string | Uint8Array): Promise<void> {
  if (text.length > 0 && !out.write(text)) await once(out, 'drain');
}

/**
 * Collects small pieces of text and writes them in chunks of about `chunkChars`, so a statement of
 * 200 000 lines is a few hundred writes, not a million. Memory is bounded by one chunk.
 */
export class ChunkedTextWriter {
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(
    private readonly out: Writable,
    private readonly chunkChars = 64 * 1024,
  ) {}

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= this.chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pendingChars === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    await writeText(this.out, chunk);
  }
}

/**
 * The source's lines, checked as they pass: numbered 1, 2, 3… in order, amount and running balance
 * plain decimals, and exactly `statement.lineCount` of them (the loop is bounded by that count).
 */
export async function* checkedLines(source: StatementSource): AsyncGenerator<StatementLine> {
  const expected = source.statement.lineCount;
  let seen = 0;
  for await (const line of source.lines()) {
    seen += 1;
    if (seen > expected) throw new StatementRenderError(`the source yields more lines than the statement's lineCount ${expected}`);
    if (line.line !== seen) throw new StatementRenderError(`line ${seen} is numbered ${line.line}: lines must come in order, numbered from 1`);
    assertDecimal(line.amount, `line ${seen} amount`);
    assertDecimal(line.runningBalance, `line ${seen} running balance`);
    yield line;
  }
  if (seen !== expected) throw new StatementRenderError(`the source yields ${seen} lines, the statement's lineCount is ${expected}`);
}
