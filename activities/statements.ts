import { ApplicationFailure } from '@temporalio/common';
import { ChainMovedError } from '../lib/store/audit-chain';
import { renderRunStatements, type RenderedStatements } from '../lib/statements/render';
import { StatementDataError } from '../lib/statements/load';
import { codeVersion } from '../lib/version';
import type { ActivityDeps } from './deps';
import { heartbeat } from './heartbeat';

export interface StatementsSettings {
  /** Where each run's statements go (a sub-directory per run). */
  dir: string;
  legalEntity: string;
}

export interface StatementsDeps extends ActivityDeps {
  statements: StatementsSettings;
}

/** What the workflow keeps of the rendering: paths relative to the statements directory, hashes. */
export interface StatementsResult {
  dir: string;
  artifacts: Array<{ file: string; sha256: string; bytes: number }>;
  trace: { file: string; sha256: string };
  chainHash: string;
}

export function createStatementActivities(deps: StatementsDeps) {
  return {
    /** Writes every format of a recorded run, its trace.json and its audit record. */
    async renderStatements(input: { runId: string; temporalRunId: string }): Promise<StatementsResult> {
      let rendered: RenderedStatements;
      try {
        rendered = await renderRunStatements(deps.db, { ...input, dir: deps.statements.dir, legalEntity: deps.statements.legalEntity, codeVersion: codeVersion(), onProgress: heartbeat });
      } catch (error) {
        // Missing data will not appear by retrying; a chain that moved will be re-read on retry.
        if (error instanceof StatementDataError) throw ApplicationFailure.nonRetryable(error.message, error.name);
        if (error instanceof ChainMovedError) throw ApplicationFailure.retryable(error.message, error.name);
        throw error;
      }
      deps.log.info({ runId: input.runId, dir: rendered.dir, files: rendered.artifacts.length }, 'statements written');
      return { dir: rendered.dir, artifacts: rendered.artifacts, trace: { file: rendered.trace.file, sha256: rendered.trace.sha256 }, chainHash: rendered.chain.hash };
    },
  };
}
