import { capitalClient, recordTransportEvent, type CapitalClient } from '../lib/capital';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/log';

/**
 * The worker's Capital.com clients, one per broker account: clients are created on first use, so
 * a worker without credentials still runs the workflows that need none (the self-check).
 */
export function capitalClientsFor(config: Config, log: Logger): (accountId: string) => CapitalClient {
  return (accountId) => capitalClient({ capital: config.capital, log: log.child({ component: 'capital' }), accountId, onEvent: recordTransportEvent });
}
