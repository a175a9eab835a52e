import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A file a run produced, as the summary, the trace and `recon verify` know it. */
export interface Artifact {
  /** File name inside the run's artifact directory. */
  file: string;
  sha256: string;
  bytes: number;
}

/**
 * Writes `dir/file` through `produce`, hashing the bytes as they pass. The file appears under its
 * name only when complete (written to a temporary name, then renamed), so a crash never leaves a
 * half statement that looks whole.
 */
export async function writeArtifact(dir: string, file: string, produce: (out: Writable) => Promise<void>): Promise<Artifact> {
  const target = path.join(dir, file);
  const partial = `${target}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new PassThrough();
  tap.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  const written = pipeline(tap, createWriteStream(partial));
  try {
    await produce(tap);
    if (!tap.writableEnded) tap.end();
    await written;
  } catch (error) {
    tap.destroy();
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  await rename(partial, target);
  return { file, sha256: hash.digest('hex'), bytes };
}
