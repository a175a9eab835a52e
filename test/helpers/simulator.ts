import { createCapitalClient, type CapitalClient, type CapitalClientOptions, type TransportEvent } from '../../lib/capital';
import { createLogger } from '../../lib/log';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';

// Tests that expect failures produce warnings by design; TEST_LOG_LEVEL=debug shows them.
export const quietLog = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' });

export interface SimulatorFixture {
  simulator: RunningSimulator;
  client: CapitalClient;
  events: TransportEvent[];
  /** A further client of the same user (own session), e.g. to test concurrent logins. */
  newClient(overrides?: Partial<CapitalClientOptions>): CapitalClient;
  close(): Promise<void>;
}

/** A simulator on a free loopback port and a client logged in to it with its credentials. */
export async function startSimulatorWithClient(
  simulatorOptions: Partial<SimulatorOptions> = {},
  clientOptions: Partial<CapitalClientOptions> = {},
): Promise<SimulatorFixture> {
  const simulator = await startSimulator({ seed: 7, log: quietLog, ...simulatorOptions, port: 0 });
  const events: TransportEvent[] = [];
  const clients: CapitalClient[] = [];
  const newClient = (overrides: Partial<CapitalClientOptions> = {}) => {
    const client = createCapitalClient({
      capital: { environment: 'custom', baseUrl: simulator.url, ...simulator.credentials },
      log: quietLog,
      retry: { baseDelayMs: 5, maxDelayMs: 50 },
      onEvent: (event) => events.push(event),
      ...clientOptions,
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    simulator,
    client,
    events,
    newClient,
    async close() {
      for (const c of clients) c.session.close();
      await simulator.close();
    },
  };
}

export const logins = (events: TransportEvent[]) => events.filter((e) => e.type === 'login').length;
export const retries = (events: TransportEvent[]) => events.filter((e) => e.type === 'retry');
