/**
 * The trading policy: the governance policy the order monitor applies (governance.ts), the exposure
 * limits (exposure-limits.ts), the risk policy for trade intents (intent-risk.ts) and the chart
 * symbols intents may use for epics, read from one JSON file (RECON_TRADING_POLICY_FILE) of the
 * shape `{ "governance": {...}, "exposureLimits": {...}, "intentRisk": {...}, "symbols": {"XAUUSD": "GOLD"} }`;
 * a part left out keeps its shipped default. Read and checked once when the worker or the API
 * starts, so a bad file stops it with the field and reason.
 */
import { parseExposureLimits, DEFAULT_EXPOSURE_LIMITS, type ExposureLimits } from './exposure';
import { DEFAULT_INTENT_RISK_POLICY, validateIntentRiskPolicy, type IntentRiskPolicy } from './intent';
import { DEFAULT_GOVERNANCE_POLICY, validateGovernancePolicy, type GovernancePolicy } from './orders';

export interface TradingPolicy {
  governance: GovernancePolicy;
  exposureLimits: ExposureLimits;
  intentRisk: IntentRiskPolicy;
  /** Chart symbols → epics, upper case. */
  symbols: Readonly<Record<string, string>>;
}

export const DEFAULT_TRADING_POLICY: TradingPolicy = { governance: DEFAULT_GOVERNANCE_POLICY, exposureLimits: DEFAULT_EXPOSURE_LIMITS, intentRisk: DEFAULT_INTENT_RISK_POLICY, symbols: {} };

const PARTS = ['governance', 'exposureLimits', 'intentRisk', 'symbols'];
const SYMBOL = /^[A-Za-z0-9._:!/-]{1,32}$/;

function parseSymbols(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('symbols must be an object of chart symbol → epic');
  const symbols: Record<string, string> = {};
  for (const [symbol, epic] of Object.entries(value)) {
    if (!SYMBOL.test(symbol) || typeof epic !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(epic)) throw new Error(`symbols.${symbol}: must map a chart symbol to an epic (letters, digits, . _ -)`);
    symbols[symbol.toUpperCase()] = epic.toUpperCase();
  }
  return symbols;
}

export class TradingPolicyError extends Error {
  override name = 'TradingPolicyError';
}

export function parseTradingPolicy(value: unknown, source = 'the trading policy'): TradingPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TradingPolicyError(`${source} must be a JSON object with any of ${PARTS.join(', ')}`);
  const unknownKeys = Object.keys(value).filter((key) => !PARTS.includes(key));
  if (unknownKeys.length > 0) throw new TradingPolicyError(`${source} has unknown keys: ${unknownKeys.join(', ')} (expected ${PARTS.join(', ')})`);
  const { governance, exposureLimits, intentRisk, symbols } = value as Record<string, unknown>;
  try {
    return {
      governance: governance === undefined ? DEFAULT_GOVERNANCE_POLICY : validateGovernancePolicy(governance),
      exposureLimits: exposureLimits === undefined ? DEFAULT_EXPOSURE_LIMITS : parseExposureLimits(exposureLimits),
      intentRisk: intentRisk === undefined ? DEFAULT_INTENT_RISK_POLICY : validateIntentRiskPolicy(intentRisk),
      symbols: symbols === undefined ? {} : parseSymbols(symbols),
    };
  } catch (error) {
    throw new TradingPolicyError(`${source}: ${(error as Error).message}`);
  }
}
