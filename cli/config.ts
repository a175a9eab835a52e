import { ENV_VARS, loadConfig } from '../lib/config';
import { redact } from '../lib/redact';

/** `recon config`: what the project reads, and what it resolved to (secrets redacted). */
export async function runConfig(options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  const effective = redact(config);
  if (options.json) {
    console.log(JSON.stringify({ effective, variables: ENV_VARS.map(({ name, description }) => ({ name, description, set: Boolean(process.env[name]) })) }, null, 2));
    return;
  }
  console.log('Environment variables (also readable from a JSON file named by RECON_CONFIG_FILE):\n');
  const width = Math.max(...ENV_VARS.map((v) => v.name.length));
  for (const variable of ENV_VARS) {
    const state = process.env[variable.name] ? (variable.secret ? 'set (secret)' : 'set') : '';
    console.log(`  ${variable.name.padEnd(width)}  ${variable.description}${state ? `  [${state}]` : ''}`);
  }
  console.log('\nEffective configuration:\n');
  console.log(JSON.stringify(effective, null, 2));
}
