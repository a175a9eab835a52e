/** The simulator's streaming endpoint (`/connect`): the door to this folder. */
export {
  attachStreamingServer,
  startStreamingServer,
  type StandaloneStreamingServer,
  type StreamingServer,
  type StreamingServerOptions,
  type StreamingServerStats,
} from './server';
export type { PriceSource } from './prices';
export { barStartMs, heikinAshi, RESOLUTION_MS } from './bars';
export { BAR_TYPES, NOT_FOUND, PROCESSED, RESOLUTIONS, ServerDestination, StreamingErrorCode, type BarValues, type QuoteValues } from './frames';
