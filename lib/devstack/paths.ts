import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cachedRoot: string | undefined;

/** The directory holding capital-recon's package.json (works from sources and from dist/). */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'capital-recon') {
      cachedRoot = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`capital-recon's package.json not found above ${__dirname}`);
  }
}

export function cacheBinDir(cacheDir: string): string {
  return path.join(cacheDir, 'bin');
}

export function cacheLockDir(cacheDir: string): string {
  return path.join(cacheDir, 'locks');
}
