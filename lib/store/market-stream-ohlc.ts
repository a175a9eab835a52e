import type { Db } from 'mongodb';
import type { OhlcBar } from '../capital/streaming';
import { instrumentId } from '../ledger/instrument-id';
import { canonical, toDecimal } from '../money';
import { insertNewOnly } from './upsert';

/**
 * The broker's own bars from `ohlc.event` frames, a series of their own beside the bars we build
 * from quotes. A frame repeats its bar with newer prices until the next bar starts, so a bar is
 * stored once it is final: when a frame of a later bar of the same series arrives.
 */
export const STREAM_OHLC_BARS = 'market_stream_ohlc';

export interface StreamOhlcDocument {
  _id: string;
  epic: string;
  instrumentId: string;
  resolution: string;
  type: string;
  priceType: string;
  startMs: number;
  open: string;
  high: string;
  low: string;
  close: string;
  storedAtMs: number;
}

export async function ensureStreamOhlcIndexes(db: Db): Promise<void> {
  await db.collection(STREAM_OHLC_BARS).createIndex({ epic: 1, resolution: 1, startMs: 1 });
}

function seriesKey(bar: OhlcBar): string {
  return `${bar.epic}:${bar.resolution}:${bar.type}:${bar.priceType}`;
}

const price = (value: number) => canonical(toDecimal(value));

/** Keeps the newest frame of each series and hands over the bars that became final. */
export class StreamOhlcSeries {
  private readonly newest = new Map<string, OhlcBar>();
  private final: OhlcBar[] = [];
  framesSeen = 0;

  add(bar: OhlcBar): void {
    this.framesSeen++;
    const key = seriesKey(bar);
    const seen = this.newest.get(key);
    if (seen && bar.t < seen.t) return; // a frame of a bar already final: nothing to change
    if (seen && bar.t > seen.t) this.final.push(seen);
    this.newest.set(key, bar);
  }

  takeFinal(): OhlcBar[] {
    const final = this.final;
    this.final = [];
    return final;
  }
}

export async function storeStreamOhlc(db: Db, bars: readonly OhlcBar[], storedAtMs: number): Promise<number> {
  const documents: StreamOhlcDocument[] = bars.map((bar) => ({
    _id: `${seriesKey(bar)}:${bar.t}`,
    epic: bar.epic,
    instrumentId: instrumentId(bar.epic),
    resolution: bar.resolution,
    type: bar.type,
    priceType: bar.priceType,
    startMs: bar.t,
    open: price(bar.o),
    high: price(bar.h),
    low: price(bar.l),
    close: price(bar.c),
    storedAtMs,
  }));
  return documents.length > 0 ? insertNewOnly(db.collection<StreamOhlcDocument>(STREAM_OHLC_BARS), documents) : 0;
}

export async function streamOhlcBetween(db: Db, query: { epic: string; resolution: string; fromMs: number; toMs: number; limit: number }): Promise<StreamOhlcDocument[]> {
  return db
    .collection<StreamOhlcDocument>(STREAM_OHLC_BARS)
    .find({ epic: query.epic, resolution: query.resolution, startMs: { $gte: query.fromMs, $lte: query.toMs } })
    .sort({ startMs: 1 })
    .limit(query.limit)
    .toArray();
}
