import { z } from 'zod';

/**
 * Fault injection: set at start (`recon sim --fault-…`) or at run time (`POST /__admin/faults`).
 * Decisions come from a seeded sequence, so the same seed and request order give the same faults.
 */
export const faultsSchema = z.object({
  /** Share of requests answered with a 5xx. */
  serverErrorRate: z.number().min(0).max(1).default(0),
  /** Share of requests answered with 429 error.too-many.requests. */
  rateLimitRate: z.number().min(0).max(1).default(0),
  /** Share of requests answered with a leaked `java.util.concurrent.TimeoutException`. */
  leakedExceptionRate: z.number().min(0).max(1).default(0),
  /** Share of successful JSON bodies cut off half-way. */
  truncatedBodyRate: z.number().min(0).max(1).default(0),
  /** Invalidate every session after this many authenticated requests (0 = never). */
  invalidateSessionEvery: z.number().int().min(0).default(0),
  /** Delay every response by this long, before the request is handled. */
  slowResponseMs: z.number().int().min(0).max(60_000).default(0),
  /** Delay every answer by this long *after* the request was handled: the work is done, the answer is late (a client timeout, a crash, a lost response). */
  lateAnswerMs: z.number().int().min(0).max(60_000).default(0),
  /** Close every WebSocket connection this often (0 = never). */
  dropStreamsEveryMs: z.number().int().min(0).default(0),
  /** Keep WebSocket connections open but send no data. */
  silentFeed: z.boolean().default(false),
});

export type Faults = z.infer<typeof faultsSchema>;
export type FaultsPatch = Partial<Faults>;

export const NO_FAULTS: Faults = faultsSchema.parse({});

export type InjectedFault = 'server-error' | 'rate-limit' | 'leaked-exception' | undefined;

/** A deterministic stream of numbers in [0, 1) (mulberry32), for fault decisions. */
export function faultSequence(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Which fault, if any, hits this request. */
export function pickFault(faults: Faults, next: () => number): InjectedFault {
  const roll = next();
  if (roll < faults.serverErrorRate) return 'server-error';
  if (roll < faults.serverErrorRate + faults.rateLimitRate) return 'rate-limit';
  if (roll < faults.serverErrorRate + faults.rateLimitRate + faults.leakedExceptionRate) return 'leaked-exception';
  return undefined;
}
