/**
 * One pass over a statement's lines feeding several writers at once. Reading a month of lines
 * from the database costs more than formatting them, so every format (and the lines digest)
 * shares one read. The reader runs at most `window` lines ahead of the slowest writer: memory
 * stays flat. A writer that fails stops the others; a writer that ends early releases them.
 */
import type { StatementLine, StatementSource } from './model';

export class LineTee {
  private buffer: StatementLine[] = [];
  /** Index (in the stream) of buffer[0]. */
  private base = 0;
  private readonly positions: number[];
  private readonly active: boolean[];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private pulling: Promise<void> | undefined;
  private waiters: Array<() => void> = [];
  private readonly iterator: AsyncIterator<StatementLine>;

  constructor(
    private readonly source: StatementSource,
    consumers: number,
    private readonly window = 512,
  ) {
    this.iterator = source.lines()[Symbol.asyncIterator]();
    this.positions = new Array<number>(consumers).fill(0);
    this.active = new Array<boolean>(consumers).fill(true);
  }

  /** Consumer `index`'s view: the same statement, lines readable once. */
  sourceFor(index: number): StatementSource {
    let started = false;
    const next = (): Promise<IteratorResult<StatementLine>> => this.next(index);
    const finish = () => this.finish(index);
    return {
      statement: this.source.statement,
      lines: () => {
        if (started) throw new Error('a shared line stream can be read only once per writer');
        started = true;
        return {
          async *[Symbol.asyncIterator]() {
            try {
              for (;;) {
                const result = await next();
                if (result.done) return;
                yield result.value;
              }
            } finally {
              finish();
            }
          },
        };
      },
    };
  }

  /** Ends consumer `index` (done, or gave up): it no longer holds the others back. */
  finish(index: number): void {
    if (!this.active[index]) return;
    this.active[index] = false;
    this.trim();
  }

  /** Makes every consumer's next read fail with `error`. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.wake();
    void this.iterator.return?.();
  }

  private async next(index: number): Promise<IteratorResult<StatementLine>> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      const position = this.positions[index] as number;
      if (position < this.base + this.buffer.length) {
        const line = this.buffer[position - this.base] as StatementLine;
        this.positions[index] = position + 1;
        this.trim();
        return { value: line, done: false };
      }
      if (this.ended) return { value: undefined, done: true };
      if (this.base + this.buffer.length - this.slowest() >= this.window) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      this.pulling ??= this.pull();
      await this.pulling;
    }
  }

  private async pull(): Promise<void> {
    try {
      const result = await this.iterator.next();
      if (result.done) this.ended = true;
      else this.buffer.push(result.value);
    } catch (error) {
      this.failure ??= { error };
    } finally {
      this.pulling = undefined;
      this.wake();
    }
  }

  private slowest(): number {
    let slowest = Infinity;
    for (let i = 0; i < this.positions.length; i++) if (this.active[i]) slowest = Math.min(slowest, this.positions[i] as number);
    return slowest === Infinity ? this.base + this.buffer.length : slowest;
  }

  private trim(): void {
    const drop = this.slowest() - this.base;
    if (drop > 0) {
      this.buffer.splice(0, drop);
      this.base += drop;
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Runs every task on its own view of one line stream; the first failure fails them all. */
export async function withSharedLines<T>(source: StatementSource, tasks: ReadonlyArray<(view: StatementSource) => Promise<T>>): Promise<T[]> {
  const tee = new LineTee(source, tasks.length);
  return Promise.all(
    tasks.map(async (task, index) => {
      try {
        return await task(tee.sourceFor(index));
      } catch (error) {
        tee.fail(error);
        throw error;
      } finally {
        tee.finish(index);
      }
    }),
  );
}
