import type { RouteModule } from '../route';
import { alertRoutes } from './alerts';
import { chartRoutes } from './charts';
import { exposureRoutes } from './exposure';
import { healthRoutes } from './health';
import { ledgerRoutes } from './ledger';
import { marketRoutes } from './market';
import { sentimentRoutes } from './market-sentiment';
import { orderRoutes } from './orders';
import { runRoutes } from './runs';
import { tradeIntentRoutes } from './trade-intents';
import { statementRoutes } from './statements';

/**
 * Every route module the API serves, in the order the OpenAPI document lists them. A new area
 * (exposure snapshots, market data, the trade-intent webhook) is one more file in this folder
 * exporting a RouteModule, added here, with its scopes added to auth/scopes.ts.
 */
export const ROUTE_MODULES: readonly RouteModule[] = [healthRoutes, runRoutes, statementRoutes, ledgerRoutes, orderRoutes, exposureRoutes, alertRoutes, tradeIntentRoutes, marketRoutes, sentimentRoutes, chartRoutes];
