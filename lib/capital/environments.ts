import type { Config } from '../config';

/** demo, live, or custom (another base URL: the simulator, a proxy). */
export type CapitalEnvironment = Config['capital']['environment'];

/** Base URLs from the reference §1.1. */
export const CAPITAL_HOSTS = {
  live: { restBaseUrl: 'https://api-capital.backend-capital.com/api/v1' },
  demo: { restBaseUrl: 'https://demo-api-capital.backend-capital.com/api/v1' },
} as const;

/**
 * The documented streaming URL. Whether demo has its own streaming host is unconfirmed, so the
 * session response's `streamingHost` is preferred whenever the client has one.
 */
export const DEFAULT_STREAMING_URL = 'wss://api-streaming-capital.backend-capital.com/connect';

/** The REST base (always ending in /api/v1) for the configured environment or base URL. */
export function restBaseUrl(capital: Config['capital']): string {
  if (capital.baseUrl) return withApiPrefix(capital.baseUrl);
  if (capital.environment === 'custom') throw new Error('CAPITAL_BASE_URL is required when CAPITAL_ENV=custom');
  return CAPITAL_HOSTS[capital.environment].restBaseUrl;
}

/** `streamingHost` from the session ("wss://host/") → the connect URL ("wss://host/connect"). */
export function streamingUrlFromHost(streamingHost: string | undefined): string {
  if (!streamingHost) return DEFAULT_STREAMING_URL;
  return streamingHost.endsWith('/connect') ? streamingHost : `${streamingHost.replace(/\/+$/, '')}/connect`;
}

function withApiPrefix(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/api/v1') ? trimmed : `${trimmed}/api/v1`;
}
