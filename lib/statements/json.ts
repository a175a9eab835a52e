/**
 * The statement as one JSON document, `<base>.json`, described by `statement.schema.json`
 * (draft 2020-12): every part of `Statement`, then every line under `lines`.
 *
 * Layout: 2-space indentation, keys in the schema's order (each object is rebuilt field by field,
 * so the order never depends on how the source built its objects; `exceptionsByKind` is sorted by
 * kind), a final newline. The bytes are exactly `JSON.stringify(document, null, 2) + '\n'`, but
 * written incrementally: the head once, then each line as it streams, so the lines array never
 * exists in memory. Amounts stay decimal strings (`"-123.45"`), never JSON numbers. Optional model
 * fields are written as `null` (e.g. `"positions": null` when the run did not capture positions,
 * `[]` when it captured none), so every document has the same keys.
 */
import type { Writable } from 'node:stream';
import { writeArtifact, type Artifact } from './artifact';
import type { AccountTotal, OpenPosition, Statement, StatementException, StatementLine, StatementSource, TypeTotal, WorkingOrder } from './model';
import { ChunkedTextWriter, checkedLines } from './text';

/** Bumped when the document's shape changes; the schema pins it with `const`. */
export const STATEMENT_JSON_FORMAT_VERSION = 1;

const INDENT = 2;

/** Writes `<baseName>.json`. */
export async function writeJsonStatement(source: StatementSource, dir: string, baseName: string): Promise<Artifact[]> {
  return [await writeArtifact(dir, `${baseName}.json`, (out) => writeJsonDocument(source, out))];
}

async function writeJsonDocument(source: StatementSource, out: Writable): Promise<void> {
  const sink = new ChunkedTextWriter(out);
  const head = JSON.stringify(statementHead(source.statement), null, INDENT);
  // `head` ends with "\n}": the lines go in before that closing brace, as the last key.
  await sink.write(`${head.slice(0, -2)},\n  "lines": [`);
  let first = true;
  for await (const line of checkedLines(source)) {
    const item = JSON.stringify(lineJson(line), null, INDENT).replace(/\n/g, '\n    ');
    await sink.write(`${first ? '' : ','}\n    ${item}`);
    first = false;
  }
  await sink.write(first ? ']\n}\n' : '\n  ]\n}\n');
  await sink.flush();
}

/** Everything but the lines, in the document's key order. */
export function statementHead(s: Statement) {
  const { header: h, rollForward: rf, reconciliation: rec, audit } = s;
  return {
    formatVersion: STATEMENT_JSON_FORMAT_VERSION,
    header: {
      legalEntity: h.legalEntity,
      broker: h.broker,
      brokerAccountId: h.brokerAccountId,
      internalAccount: { code: h.internalAccount.code, name: h.internalAccount.name },
      baseCurrency: h.baseCurrency,
      scale: h.scale,
      period: h.period,
      periodStart: h.periodStart,
      periodEnd: h.periodEnd,
      timeZone: h.timeZone,
      cutOffRule: h.cutOffRule,
      generatedAt: h.generatedAt,
      runId: h.runId,
      workflowId: h.workflowId,
      temporalRunId: h.temporalRunId,
      codeVersion: h.codeVersion,
    },
    rollForward: {
      status: rf.status,
      lines: rf.lines.map((l) => ({ label: l.label, amount: l.amount, level: l.level })),
      opening: rf.opening,
      openingSource: rf.openingSource,
      computedClosing: rf.computedClosing,
      closing: rf.closing ?? null,
      closingSource: rf.closingSource ?? null,
      difference: rf.difference ?? null,
      verdict: rf.verdict,
      reasons: [...rf.reasons],
    },
    totalsByType: s.totalsByType.map((t: TypeTotal) => ({ transactionType: t.transactionType, count: t.count, amount: t.amount })),
    totalsByAccount: s.totalsByAccount.map((a: AccountTotal) => ({ code: a.code, name: a.name, type: a.type, debit: a.debit, credit: a.credit, net: a.net })),
    reconciliation: {
      brokerRecords: rec.brokerRecords,
      bookEntries: rec.bookEntries,
      matches: rec.matches,
      matchedBrokerRecords: rec.matchedBrokerRecords,
      exceptionsByKind: Object.fromEntries(
        Object.keys(rec.exceptionsByKind)
          .sort()
          .map((kind) => [kind, rec.exceptionsByKind[kind]]),
      ),
      rulesVersion: rec.rulesVersion,
    },
    exceptions: s.exceptions.map((e: StatementException) => ({
      kind: e.kind,
      reason: e.reason,
      rule: e.rule,
      brokerReferences: [...e.brokerReferences],
      bookEntryIds: [...e.bookEntryIds],
    })),
    positions: s.positions?.map((p: OpenPosition) => ({
      dealId: p.dealId,
      epic: p.epic,
      direction: p.direction,
      size: p.size,
      level: p.level,
      currency: p.currency,
      unrealisedPnl: p.unrealisedPnl,
      openedAtUtc: p.openedAtUtc,
    })) ?? null,
    workingOrders: s.workingOrders?.map((o: WorkingOrder) => ({
      dealId: o.dealId,
      epic: o.epic,
      direction: o.direction,
      type: o.type,
      size: o.size,
      level: o.level,
      currency: o.currency,
      createdAtUtc: o.createdAtUtc,
    })) ?? null,
    positionsAt: s.positionsAt ?? null,
    notes: s.notes.map((n) => ({ title: n.title, text: n.text })),
    audit: { rawInputsSha256: audit.rawInputsSha256, chainHead: audit.chainHead, codeVersion: audit.codeVersion },
    lineCount: s.lineCount,
  };
}

/** One line, in the document's key order. */
export function lineJson(l: StatementLine) {
  return {
    line: l.line,
    key: l.key,
    bookedAtUtc: l.bookedAtUtc,
    bookedAtLocal: l.bookedAtLocal,
    reference: l.reference,
    transactionType: l.transactionType,
    instrument: l.instrument,
    note: l.note,
    amount: l.amount,
    currency: l.currency,
    runningBalance: l.runningBalance,
    debitAccount: l.debitAccount,
    creditAccount: l.creditAccount,
    matchStatus: l.matchStatus,
  };
}
