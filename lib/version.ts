import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './devstack/paths';

let cached: string | undefined;

/** capital-recon's version, as printed by `recon --version` and recorded on every artifact. */
export function codeVersion(): string {
  cached ??= (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
