/**
 * Deterministic data for the Capital.com simulator: accounts, markets, prices, transactions,
 * activity, positions, working orders, client sentiment and the company's internal books. Pure
 * functions of a seed; see README.md for the model and its guarantees.
 */
export { Prng, hashKey, hashUnit, type KeyPart } from './prng';
export {
  simulatedAccounts,
  SIMULATION_EPOCH_MS,
  DEFAULT_TRANSACTIONS_PER_MONTH,
  TRANSACTIONS_PER_MONTH_MAX,
  type Seed,
  type SimulatedAccount,
  type SimulatedAccountsOptions,
} from './accounts';
export {
  accountBalanceAt,
  accountWireAt,
  sessionAccountAt,
  sessionBodyAt,
  accountPreferences,
  type AccountBalanceWire,
  type AccountWire,
  type SessionAccountWire,
  type SessionBody,
  type AccountPreferences,
} from './account-wire';
export {
  allMarkets,
  findMarket,
  marketByEpic,
  searchMarkets,
  leverageOf,
  INSTRUMENT_TYPES,
  UnknownMarketError,
  type Market,
  type InstrumentType,
  type RuleUnit,
} from './markets';
export { marketSummary, marketDetails, type MarketSummary, type MarketDetails, type DealingRule } from './market-wire';
export { navigationRoot, navigationNode, navigationNodeIds, type NavigationNode } from './navigation';
export { openingHoursWire, isOpenAt, type SessionTemplate, type OpeningHoursWire } from './opening-hours';
export {
  quoteAt,
  bars,
  barPoints,
  RESOLUTIONS,
  BAR_SLOTS_MAX,
  isResolution,
  resolutionMs,
  type Resolution,
  type Quote,
  type PriceBar,
  type PriceLevel,
  type BarPoints,
} from './prices';
export { conversionRate, settlementCurrency } from './fx';
export {
  CURRENT_TRANSACTION_TYPES,
  LEGACY_TRANSACTION_TYPES,
  TRANSACTION_SIGNS,
  TRANSACTION_NOTES,
  type CashSign,
  type TransactionType,
} from './transaction-types';
export {
  transactionsBetween,
  balanceAt,
  referenceOf,
  RANGE_DAYS_MAX,
  type TransactionRow,
  type TransactionsBetweenParams,
  type TransactionOptions,
  type BalanceAtParams,
} from './transactions';
export { activityBetween, type ActivityRow, type ActivityDetails, type ActivityBetweenParams } from './activity';
export { openPositionsAt, workingOrdersAt, type PositionItem, type PositionWire, type WorkingOrderItem, type WorkingOrderWire } from './positions';
export { sentimentAt, type ClientSentiment } from './sentiment';
export {
  booksBetween,
  booksDifferences,
  writeBooksCsv,
  writeBooksJson,
  csvField,
  BOOKS_CSV_COLUMNS,
  type BooksEntry,
  type BooksCategory,
  type BooksDifference,
  type BooksParams,
} from './books';
export { LOOKBACK_DAYS } from './deal-model';
export { SWAP_HOUR_UTC, swapInstantOf, nextSwapChargeMs } from './overnight-funding';
