// The Capital.com client: REST (client.ts over session.ts over transport.ts), WebSocket streaming
// (streaming/), response schemas (schemas/). See README.md.
export { CapitalClient, type EndpointOutput } from './client';
export * from './vocabulary';
export { capitalClient, createCapitalClient, type CapitalClientOptions } from './factory';
export { CAPITAL_HOSTS, DEFAULT_STREAMING_URL, restBaseUrl, streamingUrlFromHost } from './environments';
export * from './errors';
export { CapitalSession, type CapitalCredentials, type SessionInfo, type SessionTokens } from './session';
export type { TransportEvent, RetryPolicy } from './transport';
export { formatBrokerTime, formatQueryTime, parseBrokerUtc, splitWindow, type TimeWindow } from './broker-time';
export { openMarketStream } from './market-stream';
export { collectTransportEvents, recordTransportEvent } from './event-scope';
