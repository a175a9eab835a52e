import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';

/** One dependency `/readyz` checks: resolves when it answers, rejects (or times out) when not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export const READINESS_TIMEOUT_MS = 3_000;

export function temporalReadiness(client: Client): ReadinessCheck {
  return {
    name: 'temporal',
    // The namespace answering proves the frontend is up and ours exists.
    check: async () => {
      await client.withDeadline(Date.now() + READINESS_TIMEOUT_MS, () => client.workflowService.describeNamespace({ namespace: client.options.namespace }));
    },
  };
}

export function mongoReadiness(db: Db): ReadinessCheck {
  return {
    name: 'mongodb',
    check: async () => {
      await db.command({ ping: 1 });
    },
  };
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

/** Every check at once, each bounded in time; a failure is named with a short reason. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = READINESS_TIMEOUT_MS): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        await withTimeout(c.check(), timeoutMs);
        return [c.name, { ok: true }] as const;
      } catch (error) {
        return [c.name, { ok: false, error: reasonOf(error) }] as const;
      }
    }),
  );
  return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}

// The reason only, in a few words: driver messages can carry addresses, never credentials, but
// they can be long; the logs have the rest.
function reasonOf(error: unknown): string {
  if (error instanceof TimeoutError) return error.message;
  const name = error instanceof Error ? error.name : 'Error';
  return `unreachable (${name})`;
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
