import type { BarValues, QuoteValues } from './frames';

/** Where the simulator's market data comes from; injected so tests and the demo choose their own. */
export interface PriceSource {
  quote(epic: string, timeMs: number): QuoteValues;
  bar(epic: string, resolution: string, barStartMs: number): BarValues;
}
