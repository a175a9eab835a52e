/**
 * Looking for secrets where they must never be: every variant a secret could take on the way
 * (raw, URL-, form-, JSON-escaped, hex, base64 and base64url at any byte offset) is searched at
 * once with one automaton, over logs, Temporal histories and descriptions (exported with the real
 * `temporal` CLI), statement files (compressed parts inflated) and every database document.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { inflateRawSync, inflateSync, gunzipSync } from 'node:zlib';
import { BSON, type Db } from 'mongodb';
import type { Config } from '../../lib/config';
import { machineProbe, resolveTemporalSource } from '../../lib/devstack';
import { createLogger, type Logger } from '../../lib/log';

const run = promisify(execFile);

export interface Secret {
  /** What the value is (`api key`, `CST #3`): findings name it, never print it. */
  name: string;
  value: string;
}

export interface SecretPattern {
  secret: string;
  variant: string;
  text: string;
}

export interface Finding {
  secret: string;
  variant: string;
  where: string;
  /** The text around the match, the match itself replaced by `<name/variant>`. */
  context: string;
}

/** Base64 of a secret inside a longer value depends on its offset mod 3: the part that does not is searched. */
const BASE64_CORE_CHARS_MIN = 12;
const CONTEXT_CHARS = 60;
/** Findings kept in full; past this the count still grows. */
const FINDINGS_KEPT_MAX = 200;

/** The forms a secret can take on its way into a log line, a payload, a URL or a document. */
export function secretVariants(secret: Secret): SecretPattern[] {
  const value = secret.value;
  const bytes = Buffer.from(value, 'utf8');
  const forms: Array<[string, string]> = [
    ['raw', value],
    ['url-encoded', encodeURIComponent(value)],
    ['form-encoded', new URLSearchParams({ x: value }).toString().slice(2)],
    ['json-escaped', JSON.stringify(value).slice(1, -1)],
    // JSON text inside a JSON string (a payload shown inside an exported history).
    ['json-escaped twice', JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1)],
    ['hex', bytes.toString('hex')],
    ['HEX', bytes.toString('hex').toUpperCase()],
  ];
  for (let skip = 0; skip < 3; skip++) {
    const whole = Math.floor((bytes.length - skip) / 3) * 3;
    if (whole <= 0) continue;
    const aligned = bytes.subarray(skip, skip + whole);
    // Whole groups of the secret's own bytes: the same characters wherever the secret sits.
    const core = (alphabet: 'base64' | 'base64url') => aligned.toString(alphabet);
    if (core('base64').length < BASE64_CORE_CHARS_MIN) continue;
    forms.push([`base64@${skip}`, core('base64')], [`base64url@${skip}`, core('base64url')]);
  }
  const seen = new Set<string>();
  return forms.filter(([, text]) => text.length > 0 && !seen.has(text) && seen.add(text)).map(([variant, text]) => ({ secret: secret.name, variant, text }));
}

/**
 * An Aho-Corasick automaton compiled to a table: one lookup per character, whatever the number of
 * patterns, so hundreds of variants cost one pass over hundreds of megabytes.
 */
export class SecretScanner {
  readonly patterns: SecretPattern[];
  readonly findings: Finding[] = [];
  findingCount = 0;
  scannedChars = 0;
  scannedTexts = 0;
  private readonly classOf = new Uint16Array(65_536);
  private readonly classes: number;
  private readonly delta: Int32Array;
  private readonly outputs: number[][];

  constructor(secrets: readonly Secret[]) {
    this.patterns = secrets.flatMap(secretVariants);
    if (this.patterns.length === 0) throw new Error('no secrets to look for');
    let classes = 1;
    for (const pattern of this.patterns) for (let i = 0; i < pattern.text.length; i++) if (this.classOf[pattern.text.charCodeAt(i)] === 0) this.classOf[pattern.text.charCodeAt(i)] = classes++;
    this.classes = classes;

    const goto: Array<Map<number, number>> = [new Map()];
    const outputs: number[][] = [[]];
    this.patterns.forEach((pattern, index) => {
      let state = 0;
      for (let i = 0; i < pattern.text.length; i++) {
        const cls = this.classOf[pattern.text.charCodeAt(i)] as number;
        let next = goto[state]!.get(cls);
        if (next === undefined) {
          next = goto.length;
          goto.push(new Map());
          outputs.push([]);
          goto[state]!.set(cls, next);
        }
        state = next;
      }
      outputs[state]!.push(index);
    });

    const delta = new Int32Array(goto.length * classes);
    const fail = new Int32Array(goto.length);
    const queue: number[] = [];
    for (const [cls, next] of goto[0]!) {
      delta[cls] = next;
      queue.push(next);
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] as number;
      outputs[state]!.push(...(outputs[fail[state] as number] as number[]));
      for (let cls = 1; cls < classes; cls++) {
        const next = goto[state]!.get(cls);
        if (next === undefined) {
          delta[state * classes + cls] = delta[(fail[state] as number) * classes + cls] as number;
        } else {
          fail[next] = delta[(fail[state] as number) * classes + cls] as number;
          delta[state * classes + cls] = next;
          queue.push(next);
        }
      }
    }
    this.delta = delta;
    this.outputs = outputs;
  }

  /** Scans one text (a log line, a history, a document); matches never span two texts. */
  scan(where: string, text: string): number {
    const { classOf, classes, delta, outputs } = this;
    let state = 0;
    let found = 0;
    for (let i = 0; i < text.length; i++) {
      state = delta[state * classes + (classOf[text.charCodeAt(i)] as number)] as number;
      const matched = outputs[state] as number[];
      if (matched.length === 0) continue;
      for (const index of matched) {
        found++;
        this.record(where, text, i, this.patterns[index] as SecretPattern);
      }
    }
    this.scannedChars += text.length;
    this.scannedTexts++;
    return found;
  }

  private record(where: string, text: string, end: number, pattern: SecretPattern): void {
    this.findingCount++;
    if (this.findings.length >= FINDINGS_KEPT_MAX) return;
    const start = end + 1 - pattern.text.length;
    const before = text.slice(Math.max(0, start - CONTEXT_CHARS), start);
    const after = text.slice(end + 1, end + 1 + CONTEXT_CHARS);
    this.findings.push({ secret: pattern.secret, variant: pattern.variant, where, context: `${before}<${pattern.secret}/${pattern.variant}>${after}` });
  }

  /** The findings as a failure message: where, which secret, in which form, and around what. */
  report(): string {
    const lines = this.findings.map((f) => `  ${f.where}: ${f.secret} (${f.variant}) in …${f.context}…`);
    const more = this.findingCount > this.findings.length ? [`  … and ${this.findingCount - this.findings.length} more`] : [];
    return [`${this.findingCount} secret value(s) found:`, ...lines, ...more].join('\n');
  }
}

/** Every base64 payload (`{ metadata, data }`) inside an exported history or description, decoded. */
export function decodedPayloads(exported: unknown): string[] {
  const decoded: string[] = [];
  const visit = (node: unknown, depth: number) => {
    if (depth > 64 || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) return node.forEach((item) => visit(item, depth + 1));
    const record = node as Record<string, unknown>;
    if (typeof record.data === 'string' && typeof record.metadata === 'object' && record.metadata !== null) {
      decoded.push(Buffer.from(record.data, 'base64').toString('utf8'));
      for (const value of Object.values(record.metadata)) if (typeof value === 'string') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    }
    for (const value of Object.values(record)) visit(value, depth + 1);
  };
  visit(exported, 0);
  return decoded;
}

/** A logger that writes its JSON lines into memory, with the project's redaction in front, as in production. */
export function capturingLogger(level: string): { log: Logger; lines(): string[] } {
  const lines: string[] = [];
  let partial = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line.length > 0));
      done();
    },
  });
  return { log: createLogger({ level, format: 'json', destination }), lines: () => (partial ? [...lines, partial] : [...lines]) };
}

/**
 * The `temporal` CLI binary, found as the dev stack finds it (TEMPORAL_CLI_PATH, PATH, the cached
 * build), but never a running server's address: the tests always have one.
 */
export async function temporalCliPath(config: Config): Promise<string> {
  const source = await resolveTemporalSource({ ...config, temporal: { ...config.temporal, address: undefined } }, machineProbe);
  if (source.kind !== 'binary') throw new Error(`no temporal CLI to export histories with (${source.reason}); run \`npm test\` once (it builds one) or set TEMPORAL_CLI_PATH`);
  return source.path;
}

export interface TemporalTarget {
  cli: string;
  address: string;
  namespace: string;
}

export interface ExportedExecution {
  workflowId: string;
  runId: string;
  /** `temporal workflow show -o json`: the whole event history. */
  history: string;
  /** `temporal workflow describe -o json`: search attributes, memo, pending activities and their heartbeats. */
  description: string;
}

const CLI_OUTPUT_BYTES_MAX = 1024 * 1024 * 1024;

export async function exportExecution(target: TemporalTarget, workflowId: string, runId: string): Promise<ExportedExecution> {
  const cli = async (command: string) => {
    const args = ['workflow', command, '-w', workflowId, '-r', runId, '-o', 'json', '--address', target.address, '--namespace', target.namespace];
    const { stdout } = await run(target.cli, args, { maxBuffer: CLI_OUTPUT_BYTES_MAX });
    return stdout;
  };
  return { workflowId, runId, history: await cli('show'), description: await cli('describe') };
}

/** Runs `work` over `items`, at most `parallel` at a time, results in input order. */
export async function mapBounded<T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
  return results;
}

export interface DumpedDocument {
  collection: string;
  id: string;
  text: string;
}

/** Every document of every collection, as extended JSON (binary data as base64), one at a time. */
export async function* dumpDatabase(db: Db): AsyncGenerator<DumpedDocument> {
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections.sort((a, b) => a.name.localeCompare(b.name))) {
    for await (const document of db.collection(name).find({}, { batchSize: 1_000 })) {
      yield { collection: name, id: BSON.EJSON.stringify(document._id, { relaxed: true }), text: BSON.EJSON.stringify(document, { relaxed: true }) };
    }
  }
}

export interface ArtifactText {
  file: string;
  /** `bytes`, or what was inflated: `pdf stream 3`, `zip xl/worksheets/sheet1.xml`, `gzip`. */
  part: string;
  text: string;
}

/** Every file under `dir`, as text, with the compressed parts of PDFs, zips (XLSX) and gzip files inflated. */
export async function artifactTexts(dir: string): Promise<{ files: string[]; texts: ArtifactText[] }> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name)).sort();
  const texts: ArtifactText[] = [];
  for (const file of files) {
    const bytes = await readFile(file);
    const relative = path.relative(dir, file);
    texts.push({ file: relative, part: 'bytes', text: bytes.toString('utf8') }, { file: relative, part: 'bytes as latin1', text: bytes.toString('latin1') });
    for (const inflated of inflatedParts(bytes)) texts.push({ file: relative, ...inflated });
  }
  return { files: files.map((file) => path.relative(dir, file)), texts };
}

function inflatedParts(bytes: Buffer): Array<{ part: string; text: string }> {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return pdfStreams(bytes);
  if (bytes.readUInt32LE(0) === 0x04034b50) return zipEntries(bytes);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return [{ part: 'gzip', text: gunzipSync(bytes).toString('utf8') }];
  return [];
}

/** The content of every Flate-compressed stream of a PDF. */
function pdfStreams(bytes: Buffer): Array<{ part: string; text: string }> {
  const parts: Array<{ part: string; text: string }> = [];
  let at = 0;
  for (let index = 0; ; index++) {
    const start = bytes.indexOf('stream', at, 'latin1');
    if (start < 0) return parts;
    const dataStart = bytes[start + 6] === 0x0d ? start + 8 : start + 7;
    const end = bytes.indexOf('endstream', dataStart, 'latin1');
    if (end < 0) return parts;
    try {
      parts.push({ part: `pdf stream ${index}`, text: inflateSync(bytes.subarray(dataStart, end)).toString('latin1') });
    } catch {
      // Not Flate (or not compressed): its bytes were searched as they are.
    }
    at = end + 9;
  }
}

/** The entries of a zip (an XLSX), read from its central directory, inflated. */
function zipEntries(bytes: Buffer): Array<{ part: string; text: string }> {
  const endRecord = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endRecord < 0) throw new Error('a zip without its end of central directory record');
  const count = bytes.readUInt16LE(endRecord + 10);
  let at = bytes.readUInt32LE(endRecord + 16);
  const parts: Array<{ part: string; text: string }> = [];
  for (let i = 0; i < count; i++) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip central directory entry ${i} is damaged`);
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = bytes.readUInt32LE(at + 42);
    const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(dataStart, dataStart + compressedSize);
    parts.push({ part: `zip ${name}`, text: (method === 8 ? inflateRawSync(data) : data).toString('utf8') });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return parts;
}
