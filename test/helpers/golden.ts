import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const GOLDEN_DIR = path.join(__dirname, '..', 'unit', 'statements', 'golden');

/**
 * Compares `actual` with a reviewed golden file, byte for byte. `UPDATE_GOLDEN=1` rewrites the
 * file instead (then review the diff before committing it).
 */
export async function assertGolden(name: string, actual: Buffer | string, what = name): Promise<void> {
  const goldenPath = path.join(GOLDEN_DIR, name);
  const bytes = Buffer.isBuffer(actual) ? actual : Buffer.from(actual, 'utf8');
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(goldenPath, bytes);
  const golden = await readFile(goldenPath);
  assert.equal(bytes.toString('utf8'), golden.toString('utf8'), `${what} differs from ${goldenPath} (UPDATE_GOLDEN=1 regenerates it; review the diff)`);
  assert.ok(bytes.equals(golden), `${what}: same text, different bytes (line endings or encoding)`);
}
