export { buildApi } from './server';
export { runApi, type ApiOptions } from './main';
export type { ApiDeps } from './deps';
export { parseTokenSpec, type ApiToken } from './auth/tokens';
export { API_SCOPES, type ApiScope } from './auth/scopes';
