/** Capital.com market-data streaming: the door to this folder. */
export { StreamingClient, type StreamingClientEvents, type StreamingClientOptions, type StreamingClientState } from './client';
export type { ConnectionChange, ConnectionState, ConnectionStatus, OhlcSubscription, SubscriptionAck, WebSocketConstructor } from './connection';
export { DEFAULT_RECONNECT_POLICY, reconnectDelayMs, type ReconnectPolicy } from './backoff';
export { StreamingGaveUpError, StreamingRequestError, StreamingSubscriptionRejectedError } from './errors';
export {
  Destination,
  MAX_EPICS_PER_MESSAGE,
  OHLC_RESOLUTIONS,
  OHLC_TYPES,
  ohlcSubscriptionKey,
  readServerFrame,
  type ClientMessage,
  type OhlcBar,
  type OhlcResolution,
  type OhlcType,
  type Quote,
  type ServerFrame,
  type StreamingCredentials,
} from './protocol';
