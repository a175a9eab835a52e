/**
 * The reliability suite (test/reliability) runs in two sizes: `npm run test:reliability` runs it
 * in full (RECON_RELIABILITY_SIZE=full), `npm test` (and so CI) in a reduced size that still
 * exercises every path. Each test states both sizes through `bySize`.
 */
export type ReliabilitySize = 'full' | 'reduced';

export function reliabilitySize(): ReliabilitySize {
  const size = process.env.RECON_RELIABILITY_SIZE ?? 'reduced';
  if (size !== 'full' && size !== 'reduced') throw new Error(`RECON_RELIABILITY_SIZE must be full or reduced, got '${size}'`);
  return size;
}

export function bySize<T>(sizes: { full: T; reduced: T }): T {
  return sizes[reliabilitySize()];
}
