import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AUDIT_RECORD_FILE } from '../../lib/statements/render';
import { contentTypeOf } from '../http/content-types';
import { ApiError, conflict, notFound } from '../http/errors';
import type { StatementsLink } from '../queries/statement-records';
import { statementFilePath } from './safe-path';
import { sha256Verifier } from './verified-stream';

/** audit-record.json is the link itself (a few KB); anything larger is not ours. */
const AUDIT_RECORD_BYTES_MAX = 1024 * 1024;

export interface ServeOptions {
  statementsDir: string;
  workflowId: string;
  file: string;
  link: StatementsLink;
  /** `attachment` for downloads, `inline` for documents read in place (the proof trace). */
  disposition: 'attachment' | 'inline';
}

/**
 * Streams one of a run's statement files with its recorded SHA-256 as `X-Content-SHA256` and
 * ETag. Only names the audit record lists are served (plus audit-record.json, which `recon verify`
 * reads beside them), from the run's own directory.
 */
export async function serveStatementFile(request: FastifyRequest, reply: FastifyReply, options: ServeOptions): Promise<FastifyReply> {
  const { link, file } = options;
  const contentType = contentTypeOf(file);
  const path = statementFilePath(options.statementsDir, options.workflowId, file);
  if (!contentType || !path) throw notFound(`no file ${file} among the statements of ${options.workflowId}`);

  if (file === AUDIT_RECORD_FILE) {
    const bytes = await readSmallFile(path, options.workflowId);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    setFileHeaders(reply, { file, contentType, sha256, bytes: bytes.length, disposition: options.disposition });
    if (notModified(request, sha256)) return reply.code(304).send();
    return reply.send(bytes);
  }

  const artifact = [...link.record.artifacts, link.record.trace].find((a) => a.file === file);
  if (!artifact) throw notFound(`no file ${file} among the statements of ${options.workflowId}`);
  const size = await fileSize(path, options.workflowId);
  if (size !== artifact.bytes) throw conflict(`${file} on the server is ${size} bytes, its audit record says ${artifact.bytes}: it was changed (see recon verify)`);
  setFileHeaders(reply, { file, contentType, sha256: artifact.sha256, bytes: size, disposition: options.disposition });
  if (notModified(request, artifact.sha256)) return reply.code(304).send();
  const body = pipeline(createReadStream(path), sha256Verifier(artifact.sha256), (error) => {
    if (error) request.log.error({ err: error, file, workflowId: options.workflowId }, 'statement file did not match its audit record; download aborted');
  });
  return reply.send(body);
}

function setFileHeaders(reply: FastifyReply, file: { file: string; contentType: string; sha256: string; bytes: number; disposition: 'attachment' | 'inline' }): void {
  void reply.headers({
    'content-type': file.contentType,
    'content-length': String(file.bytes),
    // Names are [A-Za-z0-9._-] (STATEMENT_FILE_NAME), so they need no escaping.
    'content-disposition': `${file.disposition}; filename="${file.file}"`,
    'x-content-sha256': file.sha256,
    etag: `"${file.sha256}"`,
    // A run's files never change; revalidating with the ETag costs one round trip.
    'cache-control': 'private, no-cache',
    'x-content-type-options': 'nosniff',
  });
}

function notModified(request: FastifyRequest, sha256: string): boolean {
  const header = request.headers['if-none-match'];
  return typeof header === 'string' && header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === `"${sha256}"`);
}

async function fileSize(path: string, workflowId: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missing(workflowId);
    throw error;
  }
}

async function readSmallFile(path: string, workflowId: string): Promise<Buffer> {
  const size = await fileSize(path, workflowId);
  if (size > AUDIT_RECORD_BYTES_MAX) throw conflict(`${AUDIT_RECORD_FILE} of ${workflowId} is ${size} bytes: not an audit record`);
  return readFile(path);
}

function missing(workflowId: string): ApiError {
  return new ApiError(404, 'not_found', `the statements of ${workflowId} are recorded but their files are not in this server's statements directory (RECON_STATEMENTS_DIR); re-render them with \`recon statements ${workflowId}\``);
}
