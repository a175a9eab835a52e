/**
 * What `recon` prints when a command fails, in one place: every error a user can hit becomes one
 * sentence saying what happened and what to do, with the exit code it deserves. Commands throw;
 * `main` asks `explainError` how to report it.
 */
import { ActivityFailure, ApplicationFailure, CancelledFailure, ChildWorkflowFailure, TerminatedFailure, TimeoutFailure, WorkflowFailedError, type TemporalFailure } from '@temporalio/client';
import { CommanderError, type Command } from 'commander';
import { CapitalAuthError } from '../lib/capital/errors';
import { ConfigError } from '../lib/config';
import { maskSecrets } from '../lib/redact';

/** Exit codes of `recon`: documented in the README and in every command's help. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export const EXIT_CODES_HELP = 'Exit codes: 0 ok, 1 failure, 2 usage or configuration error.';

/** A failure the user can act on: printed as one sentence, without a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Input commander could not check by itself (a month in the future, `--from` after `--to`): exit 2. */
export function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'recon.invalidInput' });
}

export interface ErrorReport {
  /** Already printed (commander's own usage errors), or the line to print on stderr. */
  message?: string;
  exitCode: number;
  /** An error nobody anticipated: RECON_DEBUG=1 adds its stack. */
  unexpected: boolean;
}

export function explainError(error: unknown): ErrorReport {
  if (error instanceof CommanderError) {
    const helpShown = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    return { exitCode: helpShown ? EXIT.ok : EXIT.usage, unexpected: false };
  }
  if (error instanceof ConfigError) return { message: error.message, exitCode: EXIT.usage, unexpected: false };
  if (error instanceof UserError) return { message: error.message, exitCode: EXIT.failure, unexpected: false };
  if (error instanceof WorkflowFailedError) return { message: explainRunFailure(error), exitCode: EXIT.failure, unexpected: false };
  if (error instanceof CapitalAuthError) return { message: badCredentials(`${error.status} ${error.code} from ${error.endpoint}`), exitCode: EXIT.failure, unexpected: false };
  return { message: error instanceof Error ? error.message : String(error), exitCode: EXIT.failure, unexpected: true };
}

/** Prints the report of `error` on stderr (secrets masked) and returns the exit code. */
export function reportError(error: unknown): number {
  const report = explainError(error);
  if (report.message !== undefined) console.error(`recon: ${maskSecrets(report.message)}`);
  if (report.unexpected && process.env.RECON_DEBUG && error instanceof Error) console.error(maskSecrets(error.stack ?? ''));
  return report.exitCode;
}

/**
 * Why a run failed, from the innermost failure Temporal recorded (an activity's, usually under a
 * child workflow), as `recon run --follow` and `recon status` show it.
 */
export function explainRunFailure(error: WorkflowFailedError | TemporalFailure | undefined, workflowId?: string): string {
  const run = workflowId ? `run ${workflowId}` : 'the run';
  const root = rootFailure(error instanceof WorkflowFailedError ? error.cause : error);
  const rerun = '; once fixed, run the month again with `recon run … --rerun`';
  if (root instanceof ApplicationFailure) {
    switch (root.type) {
      case 'UnknownAccount':
        return `${run} failed: ${root.message}: check --account, or the Capital.com credentials the workers use${rerun}.`;
      case 'CapitalAuthError':
        return `${run} failed: ${badCredentials(root.message)}${rerun}.`;
      default:
        return `${run} failed: ${root.message}${root.type ? ` (${root.type})` : ''}${rerun}.`;
    }
  }
  if (root instanceof TerminatedFailure) return `${run} was terminated${root.message ? ` (${root.message})` : ''}${rerun}.`;
  if (root instanceof CancelledFailure) return `${run} was cancelled${rerun}.`;
  if (root instanceof TimeoutFailure) return `${run} timed out (${root.timeoutType ?? 'timeout'}); is a worker polling its task queue?${rerun}.`;
  return `${run} failed: ${root?.message ?? 'no reason recorded'}${rerun}.`;
}

/** The recorded failure under Temporal's wrappers, for JSON output: its type and its own message. */
export function runFailureCause(error: WorkflowFailedError): { type: string; message: string } | undefined {
  const root = rootFailure(error.cause);
  if (!root) return undefined;
  return { type: root instanceof ApplicationFailure && root.type ? root.type : root.name, message: root.message };
}

function badCredentials(detail: string): string {
  return `Capital.com refused the credentials (${detail.replace(/\. Check CAPITAL_API_KEY.*$/, '')}): check CAPITAL_API_KEY, CAPITAL_IDENTIFIER and CAPITAL_PASSWORD, and restart the workers that use them`;
}

/**
 * The failure that says what went wrong: below the "activity task failed" and "child workflow
 * failed" wrappers Temporal adds on the way up.
 */
function rootFailure(failure: Error | undefined): Error | undefined {
  let current = failure;
  // Chains are short (workflow → child → activity → application); the bound guards a cycle.
  for (let depth = 0; depth < 16 && (current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause instanceof Error; depth++) current = current.cause;
  return current;
}
