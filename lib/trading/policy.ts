/**
 * The trading policy the monitors apply: the governance policy (governance.ts) and the exposure
 * limits (exposure-limits.ts), read from one JSON file (RECON_TRADING_POLICY_FILE) of the shape
 * `{ "governance": {...}, "exposureLimits": {...} }`; a part left out keeps its shipped default.
 * Read and checked once when the worker starts, so a bad file stops it with the field and reason.
 */
import { parseExposureLimits, DEFAULT_EXPOSURE_LIMITS, type ExposureLimits } from './exposure';
import { DEFAULT_GOVERNANCE_POLICY, validateGovernancePolicy, type GovernancePolicy } from './orders';

export interface TradingPolicy {
  governance: GovernancePolicy;
  exposureLimits: ExposureLimits;
}

export const DEFAULT_TRADING_POLICY: TradingPolicy = { governance: DEFAULT_GOVERNANCE_POLICY, exposureLimits: DEFAULT_EXPOSURE_LIMITS };

export class TradingPolicyError extends Error {
  override name = 'TradingPolicyError';
}

export function parseTradingPolicy(value: unknown, source = 'the trading policy'): TradingPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TradingPolicyError(`${source} must be a JSON object with "governance" and/or "exposureLimits"`);
  const unknownKeys = Object.keys(value).filter((key) => key !== 'governance' && key !== 'exposureLimits');
  if (unknownKeys.length > 0) throw new TradingPolicyError(`${source} has unknown keys: ${unknownKeys.join(', ')} (expected governance, exposureLimits)`);
  const { governance, exposureLimits } = value as { governance?: unknown; exposureLimits?: unknown };
  try {
    return {
      governance: governance === undefined ? DEFAULT_GOVERNANCE_POLICY : validateGovernancePolicy(governance),
      exposureLimits: exposureLimits === undefined ? DEFAULT_EXPOSURE_LIMITS : parseExposureLimits(exposureLimits),
    };
  } catch (error) {
    throw new TradingPolicyError(`${source}: ${(error as Error).message}`);
  }
}
