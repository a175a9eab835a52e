import type { Config } from '../config';
import type { Logger } from '../log';
import { CapitalClient } from './client';
import { restBaseUrl } from './environments';
import { CapitalCredentialsMissingError } from './errors';
import { limitersForUser } from './rate-limit';
import { apiKeyFingerprint, CapitalSession, type CapitalCredentials } from './session';
import { CapitalTransport, type RetryPolicy, type TransportEvent } from './transport';

export interface CapitalClientOptions {
  capital: Config['capital'];
  log: Logger;
  /** Switch to this account after login. */
  accountId?: string;
  encryptPassword?: boolean;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  keepAliveIdleMs?: number;
  hardLifetimeMs?: number;
  onEvent?: (event: TransportEvent) => void;
}

const clients = new Map<string, CapitalClient>();

/**
 * The client for the configured Capital.com environment. One session owner per API key, login
 * and account in this process: asking twice returns the same client, so concurrent activities
 * share one session (a second login could rotate the first one's tokens out).
 */
export function capitalClient(options: CapitalClientOptions): CapitalClient {
  const credentials = credentialsFrom(options.capital);
  const baseUrl = restBaseUrl(options.capital);
  const key = [apiKeyFingerprint(credentials.apiKey), apiKeyFingerprint(credentials.identifier), options.accountId ?? '', baseUrl].join('|');
  let client = clients.get(key);
  if (!client) {
    client = createCapitalClient(options, credentials, baseUrl);
    clients.set(key, client);
  }
  return client;
}

/** A fresh client that shares nothing but the process-wide limits (tests, tools). */
export function createCapitalClient(options: CapitalClientOptions, credentials = credentialsFrom(options.capital), baseUrl = restBaseUrl(options.capital)): CapitalClient {
  const userKey = `${apiKeyFingerprint(credentials.apiKey)}:${apiKeyFingerprint(credentials.identifier)}:${baseUrl}`;
  const transport = new CapitalTransport({
    baseUrl,
    limiters: limitersForUser(userKey, { demo: options.capital.environment === 'demo' }),
    log: options.log,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    onEvent: options.onEvent,
  });
  const session = new CapitalSession({
    transport,
    credentials,
    encryptPassword: options.encryptPassword,
    accountId: options.accountId,
    keepAliveIdleMs: options.keepAliveIdleMs,
    hardLifetimeMs: options.hardLifetimeMs,
    log: options.log,
    onEvent: options.onEvent,
  });
  return new CapitalClient(session, transport);
}

function credentialsFrom(capital: Config['capital']): CapitalCredentials {
  const missing = [
    ['CAPITAL_API_KEY', capital.apiKey],
    ['CAPITAL_IDENTIFIER', capital.identifier],
    ['CAPITAL_PASSWORD', capital.password],
  ].filter(([, value]) => !value).map(([name]) => name as string);
  if (missing.length > 0) throw new CapitalCredentialsMissingError(missing);
  return { apiKey: capital.apiKey as string, identifier: capital.identifier as string, password: capital.password as string };
}
