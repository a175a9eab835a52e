import type { Logger } from '../log';
import type { CapitalClient } from './client';
import { streamingUrlFromHost } from './environments';
import { StreamingClient, type StreamingClientOptions } from './streaming';

/**
 * A WebSocket market-data client bound to a REST client's session: it logs in first, connects to
 * the session's `streamingHost`, sends the session's current tokens in every message, and on
 * `error.invalid.session.token` has the session log in again.
 */
export async function openMarketStream(
  client: CapitalClient,
  options: { log: Logger } & Partial<Omit<StreamingClientOptions, 'credentials' | 'renewSession'>>,
): Promise<StreamingClient> {
  await client.session.currentTokens();
  const url = options.url ?? streamingUrlFromHost(client.session.sessionInfo()?.streamingHost);
  return new StreamingClient({
    ...options,
    url,
    credentials: () => {
      const tokens = client.session.peekTokens();
      if (!tokens) throw new Error('the Capital.com session has no tokens');
      return tokens;
    },
    renewSession: () => client.session.forceRenew('the streaming endpoint rejected the session token'),
  });
}
