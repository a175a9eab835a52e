import { findMarket, marketByEpic } from './data/markets';
import { barPoints, isResolution, quoteAt, resolutionMs } from './data/prices';
import { pointsNumber } from './data/wire-numbers';
import type { PriceSource } from './streaming';

/** The streaming endpoint's prices: the same deterministic walk the REST `/prices` serves. */
export const generatedPrices: PriceSource = {
  quote(epic, timeMs) {
    const { bid, bidQty, ofr, ofrQty } = quoteAt(epic, timeMs);
    return { bid, bidQty, ofr, ofrQty };
  },
  bar(epic, resolution, barStartMs) {
    const market = marketByEpic(epic);
    if (isResolution(resolution)) {
      const [bar] = barPoints(epic, resolution, barStartMs, barStartMs + resolutionMs(resolution));
      if (bar) {
        const price = (points: number) => pointsNumber(points, market.decimals);
        return { o: price(bar.open), h: price(bar.high), l: price(bar.low), c: price(bar.close) };
      }
    }
    // Outside trading hours there is no bar: the last bid stands still.
    const { bid } = quoteAt(epic, barStartMs);
    return { o: bid, h: bid, l: bid, c: bid };
  },
};

export const isKnownEpic = (epic: string): boolean => findMarket(epic) !== undefined;
