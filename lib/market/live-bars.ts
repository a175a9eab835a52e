/**
 * The bars a stream is building, in memory: every quote goes into one bar per resolution, the
 * epics whose bars changed since the last write are remembered, and bars whose bucket has ended
 * (plus a grace for quotes still in flight) are handed over once, as final.
 *
 * A quote older than the MINUTE buckets already handed over is late: it is counted and left out
 * of every resolution, because a closed bar is final once stored and all resolutions must hold the
 * same quotes. Bars loaded from the store (after a restart) carry on where they
 * stopped; their remembered tail lets a replayed quote be recognised as a repeat (lib/market/ohlc.ts).
 */
import { applyCheckedQuote, barKey, compareBars, type CheckedQuote, type QuoteBar } from './ohlc';
import { bucketEndMs, bucketStartMs, parseResolutions, type Resolution } from './resolutions';

/** How long after its bucket ends a bar still takes quotes: quotes are in flight for a moment. */
export const CLOSE_GRACE_MS_DEFAULT = 2_000;

export type QuoteOutcome = 'applied' | 'repeat' | 'late';

export class LiveBars {
  readonly resolutions: readonly Resolution[];
  private readonly bars = new Map<string, QuoteBar>();
  private readonly barsOfEpic = new Map<string, Set<string>>();
  private readonly closedBefore = new Map<string, number>();
  private readonly changedEpics = new Set<string>();
  private readonly lastQuotes = new Map<string, CheckedQuote>();
  lateQuotes = 0;
  repeatedQuotes = 0;

  constructor(resolutions: readonly Resolution[], private readonly graceMs = CLOSE_GRACE_MS_DEFAULT) {
    this.resolutions = parseResolutions(resolutions);
    if (!Number.isInteger(graceMs) || graceMs < 0) throw new RangeError(`graceMs must be a whole number of ms ≥ 0, got ${graceMs}`);
  }

  /**
   * Takes bars stored by an earlier writer (they go on forming here) and treats every bucket that
   * ended before `sinceMs` as closed: quotes for those are late.
   */
  resume(stored: readonly QuoteBar[], sinceMs: number, lastQuotes: readonly CheckedQuote[] = []): void {
    for (const quote of lastQuotes) this.noteLastQuote(quote);
    for (const bar of stored) {
      if (!this.resolutions.includes(bar.resolution)) continue;
      const key = barKey(bar);
      if (!this.bars.has(key)) this.keep(key, bar);
    }
    for (const bar of stored) this.markClosedBefore(bar.epic, bucketStartMs('MINUTE', sinceMs));
  }

  /**
   * Applies a checked quote to every resolution: `applied`, `repeat` (it changed no bar: a replay)
   * or `late` (older than the bars already handed over; left out of every resolution).
   */
  add(quote: CheckedQuote): QuoteOutcome {
    // Late for its MINUTE bar means late for all: every resolution's bars keep the same quotes.
    if (quote.atMs < (this.closedBefore.get(quote.epic) ?? -Infinity)) {
      this.lateQuotes++;
      return 'late';
    }
    let changed = false;
    for (const resolution of this.resolutions) {
      const key = `${quote.epic}:${resolution}:${bucketStartMs(resolution, quote.atMs)}`;
      const before = this.bars.get(key);
      const after = applyCheckedQuote(before, quote, resolution);
      if (after === before) continue;
      this.keep(key, after);
      changed = true;
    }
    if (!changed) {
      this.repeatedQuotes++;
      return 'repeat';
    }
    this.changedEpics.add(quote.epic);
    this.noteLastQuote(quote);
    return 'applied';
  }

  /** The newest quote applied to an epic (by timestamp), also after all its bars closed. */
  lastQuoteOf(epic: string): CheckedQuote | undefined {
    return this.lastQuotes.get(epic);
  }

  /** The epics whose forming bars changed since the last call (sorted); forgets the changes. */
  takeChanged(): string[] {
    const epics = [...this.changedEpics].sort();
    this.changedEpics.clear();
    return epics;
  }

  /**
   * Bars whose bucket ended at least `graceMs` before `nowMs`, removed and returned (sorted); from
   * then on quotes for them are late. Their epics count as changed, since their forming set shrank.
   */
  takeClosed(nowMs: number): QuoteBar[] {
    const closed: QuoteBar[] = [];
    for (const [key, bar] of this.bars) {
      if (bucketEndMs(bar.resolution, bar.startMs) + this.graceMs > nowMs) continue;
      closed.push(bar);
      this.bars.delete(key);
      this.barsOfEpic.get(bar.epic)?.delete(key);
      this.changedEpics.add(bar.epic);
    }
    // A bucket is closed for an epic once the grace of its MINUTE bucket has passed, whatever bars it had.
    const closedBefore = bucketStartMs('MINUTE', nowMs - this.graceMs);
    for (const epic of this.barsOfEpic.keys()) this.markClosedBefore(epic, closedBefore);
    return closed.sort(compareBars);
  }

  /** Marks an epic as changed, so its forming bars are written again (e.g. under a new writer). */
  touch(epic: string): void {
    this.changedEpics.add(epic);
  }

  get hasChanges(): boolean {
    return this.changedEpics.size > 0;
  }

  /** Epics with forming bars or a latest quote, sorted. */
  knownEpics(): string[] {
    return [...new Set([...this.barsOfEpic.keys(), ...this.lastQuotes.keys()])].sort();
  }

  formingBarsOf(epic: string): QuoteBar[] {
    return [...(this.barsOfEpic.get(epic) ?? [])].map((key) => this.bars.get(key) as QuoteBar).sort(compareBars);
  }

  /** Every bar held, sorted. */
  allBars(): QuoteBar[] {
    return [...this.bars.values()].sort(compareBars);
  }

  get size(): number {
    return this.bars.size;
  }

  private keep(key: string, bar: QuoteBar): void {
    this.bars.set(key, bar);
    let keys = this.barsOfEpic.get(bar.epic);
    if (!keys) this.barsOfEpic.set(bar.epic, (keys = new Set()));
    keys.add(key);
  }

  private noteLastQuote(quote: CheckedQuote): void {
    const seen = this.lastQuotes.get(quote.epic);
    if (!seen || quote.atMs >= seen.atMs) this.lastQuotes.set(quote.epic, quote);
  }

  private markClosedBefore(epic: string, ms: number): void {
    this.closedBefore.set(epic, Math.max(this.closedBefore.get(epic) ?? ms, ms));
  }
}
