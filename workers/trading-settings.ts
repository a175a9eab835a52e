import { readFileSync } from 'node:fs';
import type { TradingSettings } from '../activities';
import type { Config } from '../lib/config';
import { ConfigError } from '../lib/config';
import { DEFAULT_TRADING_POLICY, parseTradingPolicy, TradingPolicyError } from '../lib/trading/policy';

/**
 * The trading monitors' settings from the configuration: the policy file read and checked now
 * (a bad one stops the worker with the field and reason, before any poll), the alert webhook, the
 * exposure retention.
 */
export function tradingSettingsFrom(config: Config): TradingSettings {
  const { policyFile, alertWebhookUrl, alertWebhookSecret, exposureRetentionDays } = config.trading;
  return {
    policy: policyFile ? readPolicy(policyFile) : DEFAULT_TRADING_POLICY,
    exposureRetentionDays,
    environment: config.capital.environment,
    ...(alertWebhookUrl && alertWebhookSecret ? { alertWebhook: { url: alertWebhookUrl, secret: alertWebhookSecret } } : {}),
  };
}

function readPolicy(file: string) {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`RECON_TRADING_POLICY_FILE ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  try {
    return parseTradingPolicy(value, `RECON_TRADING_POLICY_FILE ${file}`);
  } catch (error) {
    if (error instanceof TradingPolicyError) throw new ConfigError(error.message);
    throw error;
  }
}
