import path from 'node:path';
import { runDirectoryName } from '../../lib/statements/render';

/** The shape of every file name a run writes: no separators, no leading dot, so no `..`. */
export const STATEMENT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

/**
 * `<statementsDir>/<run>/<file>`, as `recon verify` finds it, or undefined when the result would
 * not lie inside the run's directory. The name was already checked against STATEMENT_FILE_NAME
 * and against the run's audit record; this is the last line, not the only one.
 */
export function statementFilePath(statementsDir: string, workflowId: string, file: string): string | undefined {
  if (!STATEMENT_FILE_NAME.test(file)) return undefined;
  const root = path.resolve(statementsDir);
  const runDir = path.resolve(root, runDirectoryName(workflowId));
  const target = path.resolve(runDir, file);
  if (path.dirname(target) !== runDir || path.dirname(runDir) !== root) return undefined;
  return target;
}
