import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ApiError } from '../http/errors';

/** A 409 when caught before the headers went out (a file of one chunk); a cut connection after. */
export class ContentChangedError extends ApiError {
  override name = 'ContentChangedError';
  constructor(detail: string) {
    super(409, 'conflict', `the file no longer matches its audit record (${detail}); run recon verify`);
  }
}

/**
 * Passes bytes through while hashing them, holding back the last chunk until the whole file is
 * known to have the expected SHA-256. When it does not (the file changed on disk after its audit
 * record), the stream fails instead of finishing: the client gets fewer bytes than Content-Length
 * promised and never a complete-looking file that contradicts the hash header.
 */
export function sha256Verifier(expectedSha256: string): Transform {
  const hash = createHash('sha256');
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      const previous = held;
      held = chunk;
      callback(null, previous);
    },
    flush(callback: TransformCallback) {
      const actual = hash.digest('hex');
      if (actual !== expectedSha256) {
        callback(new ContentChangedError(`served file hashes to ${actual}, its audit record says ${expectedSha256}`));
        return;
      }
      callback(null, held);
    },
  });
}
