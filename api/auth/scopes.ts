/**
 * What a token may do. Each route names the one scope it needs; a token carries a set of them.
 * New route modules (exposure, market data, trade intents) add their scopes here.
 */
export const API_SCOPES = ['runs:read', 'runs:write', 'statements:read', 'ledger:read', 'trading:read', 'trading:write', 'market:read', 'market:write'] as const;

export type ApiScope = (typeof API_SCOPES)[number];

export function isApiScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}
