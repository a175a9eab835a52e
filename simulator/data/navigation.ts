/**
 * The market navigation tree behind `GET /marketnavigation` and `/marketnavigation/{nodeId}`:
 * `hierarchy_v1.*` group nodes, their sub-nodes, and leaf nodes that list markets. Every market in
 * the catalogue is reachable from the top level.
 */
import { allMarkets } from './markets';

export interface NavigationNode {
  id: string;
  name: string;
}

interface NodeDefinition {
  name: string;
  children: readonly string[];
  /** Markets listed directly by the node, besides those whose `navigationNode` is this node. */
  extraEpics?: readonly string[];
}

const TOP_LEVEL: readonly string[] = [
  'hierarchy_v1.commons_group',
  'hierarchy_v1.commodities_group',
  'hierarchy_v1.oil_markets_group',
  'hierarchy_v1.currencies_group',
  'hierarchy_v1.indices_group',
  'hierarchy_v1.shares_group',
  'hierarchy_v1.cryptocurrencies_group',
];

const NODES: Readonly<Record<string, NodeDefinition>> = {
  'hierarchy_v1.commons_group': {
    name: 'commons_group',
    children: ['hierarchy_v1.commons.most_traded', 'hierarchy_v1.commons.new', 'hierarchy_v1.commons.weekend_trading'],
  },
  'hierarchy_v1.commons.most_traded': {
    name: 'Most Traded',
    children: [],
    extraEpics: ['US500', 'GOLD', 'BTCUSD', 'EURUSD', 'AAPL', 'OIL_CRUDE', 'TSLA', 'NATURALGAS', 'SILVER', 'US100'],
  },
  'hierarchy_v1.commons.new': { name: 'New', children: [], extraEpics: ['OPEN', 'COIN', 'SOLUSD', 'AVAXUSD'] },
  'hierarchy_v1.commons.weekend_trading': { name: 'Weekend Trading', children: [], extraEpics: [] },
  'hierarchy_v1.commodities_group': {
    name: 'commodities_group',
    children: ['hierarchy_v1.commodities.metals', 'hierarchy_v1.commodities.energy', 'hierarchy_v1.commodities.softs'],
  },
  'hierarchy_v1.commodities.metals': { name: 'Metals', children: [] },
  'hierarchy_v1.commodities.energy': { name: 'Energy', children: [] },
  'hierarchy_v1.commodities.softs': { name: 'Softs', children: [] },
  'hierarchy_v1.oil_markets_group': { name: 'oil_markets_group', children: [], extraEpics: ['OIL_CRUDE', 'OIL_BRENT'] },
  'hierarchy_v1.currencies_group': { name: 'currencies_group', children: ['hierarchy_v1.currencies.majors', 'hierarchy_v1.currencies.crosses'] },
  'hierarchy_v1.currencies.majors': { name: 'Majors', children: [] },
  'hierarchy_v1.currencies.crosses': { name: 'Crosses', children: [] },
  'hierarchy_v1.indices_group': {
    name: 'indices_group',
    children: ['hierarchy_v1.indices.americas', 'hierarchy_v1.indices.europe', 'hierarchy_v1.indices.asia_pacific'],
  },
  'hierarchy_v1.indices.americas': { name: 'Americas', children: [] },
  'hierarchy_v1.indices.europe': { name: 'Europe', children: [] },
  'hierarchy_v1.indices.asia_pacific': { name: 'Asia Pacific', children: [] },
  'hierarchy_v1.shares_group': { name: 'shares_group', children: ['hierarchy_v1.shares.us', 'hierarchy_v1.shares.uk', 'hierarchy_v1.shares.eu'] },
  'hierarchy_v1.shares.us': { name: 'US Shares', children: [] },
  'hierarchy_v1.shares.uk': { name: 'UK Shares', children: [] },
  'hierarchy_v1.shares.eu': { name: 'European Shares', children: [] },
  'hierarchy_v1.cryptocurrencies_group': { name: 'cryptocurrencies_group', children: [] },
};

function nodeOf(id: string): NavigationNode {
  const definition = NODES[id];
  if (!definition) throw new Error(`navigation node ${id} is not defined`);
  return { id, name: definition.name };
}

/** `GET /marketnavigation`: the top-level nodes. */
export function navigationRoot(): NavigationNode[] {
  return TOP_LEVEL.map(nodeOf);
}

/** `GET /marketnavigation/{nodeId}`: sub-nodes and the epics listed there; undefined for an unknown id. */
export function navigationNode(id: string): { nodes: NavigationNode[]; epics: string[] } | undefined {
  const definition = NODES[id];
  if (!definition) return undefined;
  const epics = [...(definition.extraEpics ?? [])];
  if (id === 'hierarchy_v1.commons.weekend_trading') epics.push(...allMarkets().filter((m) => m.sessions === 'ALWAYS').map((m) => m.epic));
  for (const market of allMarkets()) if (market.navigationNode === id && !epics.includes(market.epic)) epics.push(market.epic);
  return { nodes: definition.children.map(nodeOf), epics };
}

export function navigationNodeIds(): string[] {
  return Object.keys(NODES);
}
