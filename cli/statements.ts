import { WorkflowNotFoundError } from '@temporalio/client';
import path from 'node:path';
import { loadConfig } from '../lib/config';
import { StatementDataError } from '../lib/statements/load';
import { renderRunStatements, RenderMismatchError, runDirectoryName } from '../lib/statements/render';
import { STATEMENT_FORMATS, type StatementFormat } from '../lib/statements/formats';
import { verifyStatements } from '../lib/statements/verify';
import { ensureIndexes } from '../lib/store/indexes';
import { connectDatabase, connectTemporal } from './connections';
import { codeVersion } from '../lib/version';
import { UserError } from './errors';

export function parseFormats(text: string): StatementFormat[] {
  const known = Object.keys(STATEMENT_FORMATS);
  const formats = text.split(',').map((f) => f.trim()).filter(Boolean);
  const unknown = formats.filter((f) => !known.includes(f));
  if (unknown.length > 0 || formats.length === 0) throw new UserError(`unknown format ${unknown.join(', ') || '(none)'}; choose from ${known.join(', ')}`);
  return formats as StatementFormat[];
}

/** The Temporal run id of a workflow, when Temporal is reachable (it is printed on the statement). */
async function temporalRunIdOf(workflowId: string): Promise<string> {
  const config = loadConfig();
  const client = await connectTemporal(config);
  try {
    return (await client.workflow.getHandle(workflowId).describe()).runId;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new UserError(`no run ${workflowId} in namespace ${config.temporal.namespace}`);
    throw error;
  } finally {
    await client.connection.close();
  }
}

/** `recon statements <workflowId>`: (re-)write a recorded run's statements. */
export async function runStatements(workflowId: string, options: { out?: string; format?: StatementFormat[]; csvBom?: boolean; json?: boolean }): Promise<void> {
  const config = loadConfig();
  const mongo = await connectDatabase(config, 'recon statements');
  try {
    await ensureIndexes(mongo.db);
    const rendered = await renderRunStatements(mongo.db, {
      runId: workflowId,
      temporalRunId: await temporalRunIdOf(workflowId),
      legalEntity: config.statements.legalEntity,
      codeVersion: codeVersion(),
      dir: options.out ?? config.statements.dir,
      formats: options.format,
      formatOptions: { csvBom: options.csvBom === true },
    });
    if (options.json) {
      console.log(JSON.stringify(rendered, null, 2));
      return;
    }
    console.log(`Statements of ${workflowId} in ${rendered.dir}:`);
    for (const a of [...rendered.artifacts, rendered.trace]) console.log(`  ${a.file.padEnd(48)} ${String(a.bytes).padStart(10)} bytes  sha256 ${a.sha256}`);
    console.log(`Audit chain link ${rendered.chain.seq}: ${rendered.chain.hash}`);
  } catch (error) {
    if (error instanceof StatementDataError || error instanceof RenderMismatchError) throw new UserError(error.message);
    throw error;
  } finally {
    await mongo.close();
  }
}

/** `recon verify <run-or-dir>`: files, stored records and the audit chain still agree (exit 1 when not). */
export async function runVerify(target: string, options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  const dir = target.includes(':') ? path.join(config.statements.dir, runDirectoryName(target)) : target;
  const mongo = config.mongo.uri ? await connectDatabase(config, 'recon verify') : undefined;
  try {
    const result = await verifyStatements(dir, mongo?.db);
    if (options.json) console.log(JSON.stringify({ dir, ...result }, null, 2));
    else {
      for (const c of result.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}`);
      if (!result.againstStore) console.log(`Checked the files only (no MONGODB_URI): compare the link hash ${result.linkHash ?? '?'} with the run's memo (auditChainHash) in Temporal, or set MONGODB_URI to re-derive the numbers and walk the chain.`);
      console.log(result.ok ? `Verified: ${dir} is what run ${result.runId} produced${result.againstStore ? ', and the store still says so' : ''}.` : `NOT verified: ${result.checks.filter((c) => !c.ok).length} check(s) failed.`);
    }
    if (!result.ok) process.exitCode = 1;
  } finally {
    await mongo?.close();
  }
}
