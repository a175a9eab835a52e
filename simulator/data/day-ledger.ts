/**
 * One day's cash rows in columns, before they are printed. A busy day has tens of thousands of
 * rows that must all exist before they can be sorted; keeping them as typed-array columns (amounts
 * as integer minor units, as lib/money stores them) instead of objects keeps them off the garbage-
 * collected heap, so a month of a million rows streams with a small, flat heap.
 */
import { type Decimal } from '../../lib/money';
import { type DealKind } from './deal-model';

const INITIAL_CAPACITY = 1024;
const CENTS_PATTERN = /^-?\d+\.\d\d$/;

export interface DealRef {
  kind: DealKind;
  ownerDay: number;
  index: number;
}

/** Whole cents of an amount that has at most two decimals (all simulated amounts do). */
export function centsOf(amount: Decimal): number {
  if (amount.decimalPlaces() > 2) throw new RangeError(`amount ${amount.toFixed()} has more than two decimals`);
  const text = amount.toFixed(2);
  if (!CENTS_PATTERN.test(text)) throw new RangeError(`unexpected amount text ${text}`);
  const cents = Number(text.replace('.', ''));
  if (!Number.isSafeInteger(cents)) throw new RangeError(`amount ${text} is too large`);
  return cents;
}

export class DayLedger {
  count = 0;
  private capacity = INITIAL_CAPACITY;
  timeMs = new Float64Array(INITIAL_CAPACITY);
  local = new Int32Array(INITIAL_CAPACITY);
  /** Signed amount in cents (exact integers). */
  cents = new Float64Array(INITIAL_CAPACITY);
  typeIndex = new Uint8Array(INITIAL_CAPACITY);
  /** Index into `epics`, or -1 for rows without an instrument. */
  epicIndex = new Int16Array(INITIAL_CAPACITY);
  /** Owner day of the deal whose dealId the row carries, or -1. */
  dealOwnerDay = new Int32Array(INITIAL_CAPACITY);
  dealIndex = new Int32Array(INITIAL_CAPACITY);
  dealIsLong = new Uint8Array(INITIAL_CAPACITY);

  readonly types: string[] = [];
  readonly notes: string[] = [];
  readonly epics: string[] = [];
  private readonly typeLookup = new Map<string, number>();
  private readonly epicLookup = new Map<string, number>();

  private order: Int32Array | undefined;

  add(timeMs: number, local: number, type: string, note: string, amount: Decimal, epic?: string, deal?: DealRef): void {
    this.order = undefined;
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    this.timeMs[i] = timeMs;
    this.local[i] = local;
    this.cents[i] = centsOf(amount);
    this.typeIndex[i] = this.indexOfType(type, note);
    this.epicIndex[i] = epic === undefined ? -1 : this.indexOfEpic(epic);
    this.dealOwnerDay[i] = deal ? deal.ownerDay : -1;
    this.dealIndex[i] = deal ? deal.index : 0;
    this.dealIsLong[i] = deal?.kind === 'long' ? 1 : 0;
  }

  /** Row indices ordered by time, then by the reference's local part (unique within a day). Computed once. */
  sortedOrder(): Int32Array {
    this.order ??= this.computeOrder();
    return this.order;
  }

  private computeOrder(): Int32Array {
    const order = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) order[i] = i;
    const time = this.timeMs;
    const local = this.local;
    order.sort((a, b) => (time[a] ?? 0) - (time[b] ?? 0) || (local[a] ?? 0) - (local[b] ?? 0));
    return order;
  }

  private indexOfType(type: string, note: string): number {
    let index = this.typeLookup.get(type);
    if (index === undefined) {
      index = this.types.length;
      if (index > 255) throw new RangeError('more than 256 transaction types in one day');
      this.types.push(type);
      this.notes.push(note);
      this.typeLookup.set(type, index);
    }
    return index;
  }

  private indexOfEpic(epic: string): number {
    let index = this.epicLookup.get(epic);
    if (index === undefined) {
      index = this.epics.length;
      if (index > 32_767) throw new RangeError('too many instruments in one day');
      this.epics.push(epic);
      this.epicLookup.set(epic, index);
    }
    return index;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = <T extends Float64Array | Int32Array | Int16Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.timeMs = widen(this.timeMs, (n) => new Float64Array(n));
    this.local = widen(this.local, (n) => new Int32Array(n));
    this.cents = widen(this.cents, (n) => new Float64Array(n));
    this.typeIndex = widen(this.typeIndex, (n) => new Uint8Array(n));
    this.epicIndex = widen(this.epicIndex, (n) => new Int16Array(n));
    this.dealOwnerDay = widen(this.dealOwnerDay, (n) => new Int32Array(n));
    this.dealIndex = widen(this.dealIndex, (n) => new Int32Array(n));
    this.dealIsLong = widen(this.dealIsLong, (n) => new Uint8Array(n));
    this.capacity = capacity;
  }
}
