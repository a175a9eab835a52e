import type { ActivityDeps } from './deps';
import { findSelfCheck, saveSelfCheck } from '../lib/store/self-checks';

export interface SelfCheckInput {
  checkId: string;
  workflowId: string;
  runId: string;
}

export interface SelfCheckOutcome {
  checkId: string;
  writtenAt: string;
  /** The document read back matched what was written. */
  roundTrip: boolean;
}

export function createSelfCheckActivities({ db, log }: ActivityDeps) {
  return {
    async recordSelfCheck(input: SelfCheckInput): Promise<SelfCheckOutcome> {
      const writtenAt = new Date();
      await saveSelfCheck(db, { _id: input.checkId, workflowId: input.workflowId, runId: input.runId, writtenAt });
      const stored = await findSelfCheck(db, input.checkId);
      const roundTrip =
        stored !== null &&
        stored.workflowId === input.workflowId &&
        stored.runId === input.runId &&
        stored.writtenAt.getTime() === writtenAt.getTime();
      log.info({ checkId: input.checkId, roundTrip }, 'self-check document written and read back');
      return { checkId: input.checkId, writtenAt: writtenAt.toISOString(), roundTrip };
    },
  };
}
