/**
 * The simulator's market catalogue: about 120 instruments across the five instrument types, with
 * every static fact the wire shapes need (names, currency, price decimals, spread, deal sizes,
 * margin, overnight rates, dealing-rule units, sessions, navigation). Prices are generated in
 * `prices.ts`; the wire shapes that mix the two are in `market-wire.ts`.
 */
import { hashKey, hashUnit } from './prng';
import { type SessionTemplate } from './opening-hours';
import { pointsText } from './wire-numbers';

export type InstrumentType = 'CRYPTOCURRENCIES' | 'CURRENCIES' | 'INDICES' | 'SHARES' | 'COMMODITIES';
export const INSTRUMENT_TYPES: readonly InstrumentType[] = ['CRYPTOCURRENCIES', 'CURRENCIES', 'INDICES', 'SHARES', 'COMMODITIES'];

export type RuleUnit = 'POINTS' | 'PERCENTAGE';

export interface Market {
  epic: string;
  symbol: string;
  name: string;
  type: InstrumentType;
  /** Currency the instrument is quoted in; P/L is converted from it to the account currency. */
  currency: string;
  country: string;
  /** Price decimals; one point is 10^-decimals. */
  decimals: number;
  /** Long-run centre of the random walk, in points. */
  basePoints: number;
  /** Typical daily move, in percent of the price. */
  dailyVolatilityPct: number;
  /** Constant offer − bid, in points (> 0). */
  spreadPoints: number;
  lotSize: number;
  /** Decimal text, in instrument units. */
  minDealSize: string;
  minSizeIncrement: string;
  maxDealSize: string;
  /** Deal sizes the simulated traders use, as multiples of `minDealSize`. */
  sizeMultipliers: readonly number[];
  marginFactorPct: number;
  sessions: SessionTemplate;
  guaranteedStopAllowed: boolean;
  trailingStopsAvailable: boolean;
  /** Stop/profit distance rules are in POINTS on some markets and PERCENTAGE on others. */
  stopRuleUnit: RuleUnit;
  minStopOrProfitDistance: string;
  maxStopOrProfitDistancePct: number;
  minGuaranteedStopDistancePct: number;
  /** Percent of notional per day, 7 decimals, as the broker prints them ("-0.0234291"). */
  overnightLongRate: string;
  overnightShortRate: string;
  /** The leaf navigation node that lists the market. */
  navigationNode: string;
}

export class UnknownMarketError extends Error {
  override name = 'UnknownMarketError';
  constructor(readonly epic: string) {
    super(`unknown market '${epic}'`);
  }
}

interface Entry {
  epic: string;
  name: string;
  price: string;
  currency?: string;
  symbol?: string;
  spread?: number;
  vol?: number;
  minDeal?: string;
  increment?: string;
  multipliers?: readonly number[];
  node?: string;
  sessions?: SessionTemplate;
  country?: string;
}

interface TypeDefaults {
  type: InstrumentType;
  currency: string;
  vol: number;
  minDeal: string;
  increment: string;
  maxDeal: string;
  multipliers: readonly number[];
  marginFactorPct: number;
  sessions: SessionTemplate;
  node: string;
  country: string;
  /** Spread as a fraction of the price when an entry gives none. */
  spreadFraction: number;
  stopRuleUnit: RuleUnit;
  trailing: boolean;
  guaranteedStop: boolean;
  longRateBase: number;
}

const CRYPTO: TypeDefaults = {
  type: 'CRYPTOCURRENCIES', currency: 'USD', vol: 3, minDeal: '1', increment: '0.1', maxDeal: '100000', multipliers: [1, 2, 5, 10],
  marginFactorPct: 50, sessions: 'ALWAYS', node: 'hierarchy_v1.cryptocurrencies_group', country: '', spreadFraction: 0.002,
  stopRuleUnit: 'PERCENTAGE', trailing: false, guaranteedStop: false, longRateBase: 0.0616,
};
const FX: TypeDefaults = {
  type: 'CURRENCIES', currency: 'USD', vol: 0.5, minDeal: '100', increment: '1', maxDeal: '10000000', multipliers: [10, 20, 50, 100],
  marginFactorPct: 5, sessions: 'FX', node: 'hierarchy_v1.currencies.crosses', country: '', spreadFraction: 0.00008,
  stopRuleUnit: 'POINTS', trailing: true, guaranteedStop: true, longRateBase: 0.0142,
};
const INDEX: TypeDefaults = {
  type: 'INDICES', currency: 'USD', vol: 1, minDeal: '0.1', increment: '0.1', maxDeal: '2000', multipliers: [1, 2, 5, 10, 20],
  marginFactorPct: 5, sessions: 'NEAR_24H', node: 'hierarchy_v1.indices.americas', country: '', spreadFraction: 0.0001,
  stopRuleUnit: 'PERCENTAGE', trailing: true, guaranteedStop: true, longRateBase: 0.0201,
};
const COMMODITY: TypeDefaults = {
  type: 'COMMODITIES', currency: 'USD', vol: 1.5, minDeal: '1', increment: '0.1', maxDeal: '50000', multipliers: [1, 2, 5, 10],
  marginFactorPct: 10, sessions: 'NEAR_24H', node: 'hierarchy_v1.commodities.metals', country: '', spreadFraction: 0.0005,
  stopRuleUnit: 'PERCENTAGE', trailing: true, guaranteedStop: true, longRateBase: 0.0189,
};
const US_SHARE: TypeDefaults = {
  type: 'SHARES', currency: 'USD', vol: 2, minDeal: '1', increment: '1', maxDeal: '26390', multipliers: [1, 2, 5, 10, 25],
  marginFactorPct: 20, sessions: 'US_SHARES', node: 'hierarchy_v1.shares.us', country: 'United States of America', spreadFraction: 0.0006,
  stopRuleUnit: 'PERCENTAGE', trailing: false, guaranteedStop: true, longRateBase: 0.0234,
};
const UK_SHARE: TypeDefaults = { ...US_SHARE, currency: 'GBP', sessions: 'UK_SHARES', node: 'hierarchy_v1.shares.uk', country: 'United Kingdom', multipliers: [10, 25, 50, 100] };
const EU_SHARE: TypeDefaults = { ...US_SHARE, currency: 'EUR', sessions: 'EU_SHARES', node: 'hierarchy_v1.shares.eu', country: 'Germany' };

const CRYPTO_ENTRIES: Entry[] = [
  { epic: 'BTCUSD', name: 'Bitcoin/USD', symbol: 'BTC/USD', price: '65000.00', spread: 3000, minDeal: '0.01', increment: '0.01', multipliers: [1, 2, 5, 10] },
  { epic: 'ETHUSD', name: 'Ethereum/USD', symbol: 'ETH/USD', price: '3200.00', spread: 250, minDeal: '0.1', increment: '0.01', multipliers: [1, 2, 5, 10] },
  { epic: 'LTCUSD', name: 'Litecoin/USD', symbol: 'LTC/USD', price: '85.00' },
  { epic: 'XRPUSD', name: 'Ripple/USD', symbol: 'XRP/USD', price: '0.55000', minDeal: '100', increment: '1' },
  { epic: 'BCHUSD', name: 'Bitcoin Cash/USD', symbol: 'BCH/USD', price: '400.00', minDeal: '0.1', increment: '0.01' },
  { epic: 'ADAUSD', name: 'Cardano/USD', symbol: 'ADA/USD', price: '0.45000', minDeal: '100', increment: '1' },
  { epic: 'DOTUSD', name: 'Polkadot/USD', symbol: 'DOT/USD', price: '7.000', minDeal: '10', increment: '1' },
  { epic: 'SOLUSD', name: 'Solana/USD', symbol: 'SOL/USD', price: '150.00' },
  { epic: 'DOGEUSD', name: 'Dogecoin/USD', symbol: 'DOGE/USD', price: '0.150000', minDeal: '1000', increment: '1' },
  { epic: 'LINKUSD', name: 'Chainlink/USD', symbol: 'LINK/USD', price: '15.000', minDeal: '10', increment: '1' },
  { epic: 'AVAXUSD', name: 'Avalanche/USD', symbol: 'AVAX/USD', price: '35.00', minDeal: '1', increment: '0.1' },
  { epic: 'XLMUSD', name: 'Stellar/USD', symbol: 'XLM/USD', price: '0.110000', minDeal: '1000', increment: '1' },
  { epic: 'TRXUSD', name: 'TRON/USD', symbol: 'TRX/USD', price: '0.120000', minDeal: '1000', increment: '1' },
  { epic: 'UNIUSD', name: 'Uniswap/USD', symbol: 'UNI/USD', price: '8.000', minDeal: '10', increment: '1' },
  { epic: 'ATOMUSD', name: 'Cosmos/USD', symbol: 'ATOM/USD', price: '8.000', minDeal: '10', increment: '1' },
];

const MAJORS = 'hierarchy_v1.currencies.majors';
const FX_ENTRIES: Entry[] = [
  { epic: 'EURUSD', name: 'EUR/USD', price: '1.08500', spread: 6, node: MAJORS },
  { epic: 'GBPUSD', name: 'GBP/USD', price: '1.27000', spread: 9, node: MAJORS },
  { epic: 'USDJPY', name: 'USD/JPY', price: '150.000', currency: 'JPY', spread: 7, node: MAJORS },
  { epic: 'USDCHF', name: 'USD/CHF', price: '0.88000', currency: 'CHF', spread: 12, node: MAJORS },
  { epic: 'AUDUSD', name: 'AUD/USD', price: '0.66000', spread: 8, node: MAJORS },
  { epic: 'NZDUSD', name: 'NZD/USD', price: '0.61000', spread: 14, node: MAJORS },
  { epic: 'USDCAD', name: 'USD/CAD', price: '1.36000', currency: 'CAD', spread: 14, node: MAJORS },
  { epic: 'EURGBP', name: 'EUR/GBP', price: '0.85500', currency: 'GBP', spread: 10 },
  { epic: 'EURJPY', name: 'EUR/JPY', price: '162.500', currency: 'JPY', spread: 15 },
  { epic: 'GBPJPY', name: 'GBP/JPY', price: '190.500', currency: 'JPY', spread: 25 },
  { epic: 'EURCHF', name: 'EUR/CHF', price: '0.95500', currency: 'CHF', spread: 15 },
  { epic: 'AUDJPY', name: 'AUD/JPY', price: '99.000', currency: 'JPY', spread: 18 },
  { epic: 'EURAUD', name: 'EUR/AUD', price: '1.64000', currency: 'AUD', spread: 20 },
  { epic: 'GBPCHF', name: 'GBP/CHF', price: '1.12000', currency: 'CHF', spread: 25 },
  { epic: 'CADJPY', name: 'CAD/JPY', price: '110.000', currency: 'JPY', spread: 20 },
  { epic: 'AUDCAD', name: 'AUD/CAD', price: '0.90000', currency: 'CAD', spread: 20 },
  { epic: 'NZDJPY', name: 'NZD/JPY', price: '91.000', currency: 'JPY', spread: 25 },
  { epic: 'EURCAD', name: 'EUR/CAD', price: '1.47500', currency: 'CAD', spread: 25 },
  { epic: 'GBPAUD', name: 'GBP/AUD', price: '1.93000', currency: 'AUD', spread: 30 },
  { epic: 'CHFJPY', name: 'CHF/JPY', price: '170.500', currency: 'JPY', spread: 30 },
];

const EUROPE = 'hierarchy_v1.indices.europe';
const ASIA = 'hierarchy_v1.indices.asia_pacific';
const INDEX_ENTRIES: Entry[] = [
  { epic: 'US500', name: 'US 500', price: '5200.0', spread: 4 },
  { epic: 'US100', name: 'US Tech 100', price: '18000.0', spread: 10 },
  { epic: 'US30', name: 'US Wall Street 30', price: '39000.0', spread: 20 },
  { epic: 'US2000', name: 'US Small Cap 2000', price: '2050.0', spread: 3 },
  { epic: 'DE40', name: 'Germany 40', price: '18000.0', currency: 'EUR', spread: 14, node: EUROPE, sessions: 'EU_INDICES' },
  { epic: 'FR40', name: 'France 40', price: '8000.0', currency: 'EUR', spread: 10, node: EUROPE, sessions: 'EU_INDICES' },
  { epic: 'EU50', name: 'Euro Stocks 50', price: '4900.0', currency: 'EUR', spread: 16, node: EUROPE, sessions: 'EU_INDICES' },
  { epic: 'UK100', name: 'UK 100', price: '8100.0', currency: 'GBP', spread: 10, node: EUROPE, sessions: 'EU_INDICES' },
  { epic: 'ES35', name: 'Spain 35', price: '11000.0', currency: 'EUR', spread: 50, node: EUROPE, sessions: 'EU_INDICES' },
  { epic: 'IT40', name: 'Italy 40', price: '33000.0', currency: 'EUR', spread: 150, node: EUROPE, sessions: 'EU_INDICES' },
  { epic: 'NL25', name: 'Netherlands 25', price: '880.00', currency: 'EUR', spread: 30, node: EUROPE, sessions: 'EU_INDICES' },
  { epic: 'J225', name: 'Japan 225', price: '38000.0', currency: 'JPY', spread: 80, node: ASIA, sessions: 'ASIA_INDICES' },
  { epic: 'AU200', name: 'Australia 200', price: '7700.0', currency: 'AUD', spread: 10, node: ASIA, sessions: 'ASIA_INDICES' },
  { epic: 'CN50', name: 'China A50', price: '12500.0', spread: 80, node: ASIA, sessions: 'ASIA_INDICES' },
];

const ENERGY = 'hierarchy_v1.commodities.energy';
const SOFTS = 'hierarchy_v1.commodities.softs';
const COMMODITY_ENTRIES: Entry[] = [
  { epic: 'GOLD', name: 'Gold', price: '2350.00', spread: 30, minDeal: '0.1', increment: '0.01' },
  { epic: 'SILVER', name: 'Silver', price: '28.000', spread: 20, minDeal: '0.1', increment: '0.1', multipliers: [10, 20, 50, 100] },
  { epic: 'PLATINUM', name: 'Platinum', price: '950.00', spread: 150, minDeal: '0.1', increment: '0.1' },
  { epic: 'PALLADIUM', name: 'Palladium', price: '1000.00', spread: 300, minDeal: '0.1', increment: '0.1' },
  { epic: 'COPPER', name: 'Copper', price: '4.5000', spread: 30, minDeal: '10', increment: '1' },
  { epic: 'OIL_CRUDE', name: 'Crude Oil', symbol: 'Crude Oil', price: '78.00', spread: 3, node: ENERGY, sessions: 'ENERGY' },
  { epic: 'OIL_BRENT', name: 'Brent Oil', symbol: 'Brent Oil', price: '82.00', spread: 3, node: ENERGY, sessions: 'ENERGY' },
  { epic: 'NATURALGAS', name: 'Natural Gas', symbol: 'Natural Gas', price: '2.700', spread: 5, minDeal: '0.1', increment: '0.1', multipliers: [10, 50, 100, 500], node: ENERGY, sessions: 'ENERGY', vol: 3 },
  { epic: 'COFFEEARABICA', name: 'Coffee Arabica', price: '2.3000', spread: 40, minDeal: '100', increment: '1', node: SOFTS, sessions: 'ENERGY' },
  { epic: 'SUGAR', name: 'Sugar', price: '0.19000', spread: 20, minDeal: '1000', increment: '1', node: SOFTS, sessions: 'ENERGY' },
  { epic: 'WHEAT', name: 'Wheat', price: '5.8000', spread: 60, minDeal: '100', increment: '1', node: SOFTS, sessions: 'ENERGY' },
  { epic: 'CORN', name: 'Corn', price: '4.4000', spread: 50, minDeal: '100', increment: '1', node: SOFTS, sessions: 'ENERGY' },
  { epic: 'COCOA', name: 'Cocoa', price: '7000.0', spread: 80, minDeal: '0.1', increment: '0.1', node: SOFTS, sessions: 'ENERGY', vol: 2.5 },
  { epic: 'SOYBEAN', name: 'Soybean', price: '11.800', spread: 60, minDeal: '10', increment: '1', node: SOFTS, sessions: 'ENERGY' },
];

const US_SHARE_ENTRIES: Entry[] = [
  { epic: 'AAPL', name: 'Apple Inc', price: '190.00' },
  { epic: 'MSFT', name: 'Microsoft Corporation', price: '420.00' },
  { epic: 'AMZN', name: 'Amazon.com Inc', price: '180.00' },
  { epic: 'GOOGL', name: 'Alphabet Inc - A', price: '170.00' },
  { epic: 'META', name: 'Meta Platforms Inc', price: '480.00' },
  { epic: 'TSLA', name: 'Tesla Inc', price: '180.00', vol: 3.5 },
  { epic: 'NVDA', name: 'NVIDIA Corporation', price: '900.00', vol: 3 },
  { epic: 'NFLX', name: 'Netflix Inc', price: '600.00' },
  { epic: 'AMD', name: 'Advanced Micro Devices Inc', price: '160.00', vol: 3 },
  { epic: 'INTC', name: 'Intel Corporation', price: '35.00' },
  { epic: 'BA', name: 'Boeing Company', price: '180.00' },
  { epic: 'JPM', name: 'JPMorgan Chase & Co', price: '195.00' },
  { epic: 'V', name: 'Visa Inc', price: '275.00' },
  { epic: 'MA', name: 'Mastercard Inc', price: '460.00' },
  { epic: 'DIS', name: 'Walt Disney Company', price: '110.00' },
  { epic: 'KO', name: 'Coca-Cola Company', price: '62.00', vol: 1 },
  { epic: 'PEP', name: 'PepsiCo Inc', price: '170.00', vol: 1 },
  { epic: 'MCD', name: "McDonald's Corporation", price: '270.00', vol: 1 },
  { epic: 'NKE', name: 'Nike Inc', price: '95.00' },
  { epic: 'PYPL', name: 'PayPal Holdings Inc', price: '65.00' },
  { epic: 'UBER', name: 'Uber Technologies Inc', price: '70.00' },
  { epic: 'BABA', name: 'Alibaba Group Holding Ltd', price: '75.00' },
  { epic: 'ORCL', name: 'Oracle Corporation', price: '120.00' },
  { epic: 'IBM', name: 'International Business Machines', price: '185.00', vol: 1.2 },
  { epic: 'CSCO', name: 'Cisco Systems Inc', price: '48.00', vol: 1.2 },
  { epic: 'WMT', name: 'Walmart Inc', price: '60.00', vol: 1 },
  { epic: 'XOM', name: 'Exxon Mobil Corporation', price: '115.00' },
  { epic: 'CVX', name: 'Chevron Corporation', price: '155.00' },
  { epic: 'PFE', name: 'Pfizer Inc', price: '28.00' },
  { epic: 'JNJ', name: 'Johnson & Johnson', price: '150.00', vol: 1 },
  { epic: 'COIN', name: 'Coinbase Global Inc', price: '230.00', vol: 4 },
  { epic: 'SHOP', name: 'Shopify Inc', price: '70.00', vol: 3 },
  { epic: 'SBUX', name: 'Starbucks Corporation', price: '90.00' },
  { epic: 'GS', name: 'Goldman Sachs Group Inc', price: '450.00' },
  { epic: 'BAC', name: 'Bank of America Corporation', price: '37.00' },
  { epic: 'OPEN', name: 'Opendoor Technologies Inc', price: '2.50', vol: 5 },
];

const UK_SHARE_ENTRIES: Entry[] = [
  { epic: 'BP', name: 'BP PLC', price: '4.800' },
  { epic: 'HSBA', name: 'HSBC Holdings PLC', price: '6.700' },
  { epic: 'VOD', name: 'Vodafone Group PLC', price: '0.7200' },
  { epic: 'BARC', name: 'Barclays PLC', price: '2.050' },
  { epic: 'LLOY', name: 'Lloyds Banking Group PLC', price: '0.5400' },
  { epic: 'AZN', name: 'AstraZeneca PLC', price: '118.00' },
  { epic: 'SHEL', name: 'Shell PLC', price: '28.50' },
  { epic: 'GSK', name: 'GSK PLC', price: '16.50' },
  { epic: 'RIO', name: 'Rio Tinto PLC', price: '52.00' },
  { epic: 'ULVR', name: 'Unilever PLC', price: '44.00' },
];

const EU_SHARE_ENTRIES: Entry[] = [
  { epic: 'SAP', name: 'SAP SE', price: '175.00' },
  { epic: 'SIE', name: 'Siemens AG', price: '175.00' },
  { epic: 'ALV', name: 'Allianz SE', price: '260.00' },
  { epic: 'BMW', name: 'Bayerische Motoren Werke AG', price: '95.00' },
  { epic: 'VOW3', name: 'Volkswagen AG', price: '115.00' },
  { epic: 'AIR', name: 'Airbus SE', price: '150.00', country: 'France' },
  { epic: 'MC', name: 'LVMH Moet Hennessy Louis Vuitton', price: '780.00', country: 'France' },
  { epic: 'ASML', name: 'ASML Holding NV', price: '850.00', country: 'Netherlands' },
  { epic: 'OR', name: "L'Oreal SA", price: '420.00', country: 'France' },
  { epic: 'DBK', name: 'Deutsche Bank AG', price: '15.00' },
];

function decimalsOf(price: string): number {
  const dot = price.indexOf('.');
  return dot < 0 ? 0 : price.length - dot - 1;
}

function pointsOf(price: string): number {
  return Number(price.replace('.', ''));
}

/** Rate text with 7 decimals from a rate expressed in ten-millionths (an integer). */
function rateText(tenMillionths: number): string {
  const sign = tenMillionths < 0 ? '-' : '';
  const digits = String(Math.abs(tenMillionths)).padStart(8, '0');
  return `${sign}${digits.slice(0, -7)}.${digits.slice(-7)}`;
}

function build(entry: Entry, defaults: TypeDefaults): Market {
  const decimals = decimalsOf(entry.price);
  const basePoints = pointsOf(entry.price);
  const key = hashKey('market', entry.epic);
  const spreadPoints = entry.spread ?? Math.max(1, Math.round(basePoints * defaults.spreadFraction));
  // Overnight rates: longs pay the financing rate plus a markup; shorts pay a little or, on about a
  // third of markets, receive a little (the broker's sign convention: negative = charged).
  const longRate = -Math.round((defaults.longRateBase * (0.8 + 0.4 * hashUnit(key, 1))) * 1e7);
  const shortRate = Math.round((hashUnit(key, 2) * 0.012 - 0.008) * 1e7);
  return {
    epic: entry.epic,
    symbol: entry.symbol ?? entry.epic,
    name: entry.name,
    type: defaults.type,
    currency: entry.currency ?? defaults.currency,
    country: entry.country ?? defaults.country,
    decimals,
    basePoints,
    dailyVolatilityPct: entry.vol ?? defaults.vol,
    spreadPoints,
    lotSize: 1,
    minDealSize: entry.minDeal ?? defaults.minDeal,
    minSizeIncrement: entry.increment ?? defaults.increment,
    maxDealSize: defaults.maxDeal,
    sizeMultipliers: entry.multipliers ?? defaults.multipliers,
    marginFactorPct: defaults.marginFactorPct,
    sessions: entry.sessions ?? defaults.sessions,
    guaranteedStopAllowed: defaults.guaranteedStop,
    trailingStopsAvailable: defaults.trailing,
    stopRuleUnit: defaults.stopRuleUnit,
    // POINTS rules are price distances (two spreads here); PERCENTAGE rules are percent of the price.
    minStopOrProfitDistance: defaults.stopRuleUnit === 'POINTS' ? pointsText(spreadPoints * 2, decimals) : '0.1',
    maxStopOrProfitDistancePct: defaults.type === 'CRYPTOCURRENCIES' ? 60 : 100,
    minGuaranteedStopDistancePct: defaults.type === 'SHARES' ? 75 : 2,
    overnightLongRate: rateText(longRate === 0 ? -1 : longRate),
    overnightShortRate: rateText(shortRate === 0 ? -1 : shortRate),
    navigationNode: entry.node ?? defaults.node,
  };
}

const CATALOGUE: readonly Market[] = [
  ...CRYPTO_ENTRIES.map((e) => build(e, CRYPTO)),
  ...FX_ENTRIES.map((e) => build(e, FX)),
  ...INDEX_ENTRIES.map((e) => build(e, INDEX)),
  ...COMMODITY_ENTRIES.map((e) => build(e, COMMODITY)),
  ...US_SHARE_ENTRIES.map((e) => build(e, US_SHARE)),
  ...UK_SHARE_ENTRIES.map((e) => build(e, UK_SHARE)),
  ...EU_SHARE_ENTRIES.map((e) => build(e, EU_SHARE)),
];

const BY_EPIC: ReadonlyMap<string, Market> = new Map(CATALOGUE.map((m) => [m.epic, m]));
if (BY_EPIC.size !== CATALOGUE.length) throw new Error('market catalogue has duplicate epics');

export function allMarkets(): readonly Market[] {
  return CATALOGUE;
}

export function findMarket(epic: string): Market | undefined {
  return BY_EPIC.get(epic);
}

export function marketByEpic(epic: string): Market {
  const market = BY_EPIC.get(epic);
  if (!market) throw new UnknownMarketError(epic);
  return market;
}

/** `/markets?searchTerm=`: case-insensitive match on epic, symbol or name, catalogue order. */
export function searchMarkets(term: string): Market[] {
  const needle = term.trim().toLowerCase();
  if (needle === '') return [];
  return CATALOGUE.filter((m) => m.epic.toLowerCase().includes(needle) || m.name.toLowerCase().includes(needle) || m.symbol.toLowerCase().includes(needle));
}

/** Leverage the broker applies: the inverse of the margin factor. */
export function leverageOf(market: Market): number {
  return Math.round(100 / market.marginFactorPct);
}
