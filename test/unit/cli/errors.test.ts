import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TerminatedFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { CommanderError } from 'commander';
import { CapitalAuthError } from '../../../lib/capital/errors';
import { ConfigError } from '../../../lib/config';
import { EXIT, explainError, explainRunFailure, UserError } from '../../../cli/errors';

const RUN = 'recon:123456:2025-01';

/** A failure as Temporal hands it to the client: workflow ← (child) ← activity ← application. */
function failedRun(cause: Error, viaChild = false): WorkflowFailedError {
  const activity = new ActivityFailure('Activity task failed', 'captureBalanceSnapshot', '2', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause);
  const top = viaChild ? new ChildWorkflowFailure('capital-recon', { workflowId: `${RUN}:ingest-0`, runId: 'r' }, 'ingestWindows', RetryState.NON_RETRYABLE_FAILURE, activity) : activity;
  return new WorkflowFailedError('Workflow execution failed', top, RetryState.NON_RETRYABLE_FAILURE);
}

describe('what recon prints when a command fails', () => {
  test('exit codes: usage and configuration 2, failures 1, help 0', () => {
    assert.equal(explainError(new CommanderError(2, 'commander.missingMandatoryOptionValue', 'x')).exitCode, EXIT.usage);
    assert.equal(explainError(new CommanderError(0, 'commander.helpDisplayed', '')).exitCode, EXIT.ok);
    assert.equal(explainError(new ConfigError('Invalid configuration')).exitCode, EXIT.usage);
    assert.deepEqual(explainError(new UserError('no run x')), { message: 'no run x', exitCode: EXIT.failure, unexpected: false });
    assert.equal(explainError(new Error('boom')).unexpected, true);
  });

  test('an unknown account: the activity’s own message, and what to check', () => {
    const error = failedRun(ApplicationFailure.nonRetryable('account 999 is not among the accounts this API key sees (1, 2)', 'UnknownAccount'));
    assert.equal(
      explainRunFailure(error, RUN),
      `run ${RUN} failed: account 999 is not among the accounts this API key sees (1, 2): check --account, or the Capital.com credentials the workers use; once fixed, run the month again with \`recon run … --rerun\`.`,
    );
    assert.equal(explainError(error).exitCode, EXIT.failure);
  });

  test('bad Capital.com credentials, inside a run (under a child workflow) or from a direct call', () => {
    const inRun = failedRun(ApplicationFailure.nonRetryable("POST /session: authentication failed (401 error.invalid.details). Check CAPITAL_API_KEY, CAPITAL_IDENTIFIER and the API key's custom password.", 'CapitalAuthError'), true);
    assert.match(explainRunFailure(inRun, RUN), /^run recon:123456:2025-01 failed: Capital\.com refused the credentials \(POST \/session: authentication failed \(401 error\.invalid\.details\)\): check CAPITAL_API_KEY, CAPITAL_IDENTIFIER and CAPITAL_PASSWORD, and restart the workers/);
    const direct = explainError(new CapitalAuthError('POST /session', 401, 'error.invalid.details'));
    assert.equal(direct.message, 'Capital.com refused the credentials (401 error.invalid.details from POST /session): check CAPITAL_API_KEY, CAPITAL_IDENTIFIER and CAPITAL_PASSWORD, and restart the workers that use them');
  });

  test('a terminated run says so', () => {
    const error = new WorkflowFailedError('Workflow execution terminated', new TerminatedFailure('ops stopped it'), RetryState.NON_RETRYABLE_FAILURE);
    assert.match(explainRunFailure(error, RUN), /^run recon:123456:2025-01 was terminated \(ops stopped it\)/);
  });
});
