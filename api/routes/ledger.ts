import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TransactionDocument } from '../../lib/store/transactions';
import { CursorError, decodeCursor, encodeCursor, queryFingerprint } from '../http/cursor';
import { toCsv, type CsvColumn } from '../http/csv';
import { badRequest } from '../http/errors';
import { accountId, cursor, instant, pageLimit, transactionType } from '../http/fields';
import { page, transaction } from '../openapi/schemas';
import { transactionsPage, type TransactionFilter, type TransactionPosition } from '../queries/transactions-page';
import { defineRoute, type RouteModule } from '../route';

const transactionsQuery = z
  .strictObject({
    accountId,
    from: instant.optional().describe('booked at or after this instant (UTC; a date means its midnight UTC)'),
    to: instant.optional().describe('booked before this instant (exclusive)'),
    transactionType: transactionType.optional(),
    limit: pageLimit(100, 1000),
    cursor: cursor.optional(),
    format: z.enum(['json', 'csv']).optional().describe('json (default) or csv; `Accept: text/csv` also selects csv'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'must be after from', path: ['to'] });

type TransactionView = z.output<typeof transaction>;

function transactionView(t: TransactionDocument): TransactionView {
  return {
    id: t._id,
    accountId: t.accountId,
    reference: t.reference,
    transactionType: t.transactionType,
    leg: t.leg,
    status: t.status,
    bookedAt: t.bookedAt,
    amount: t.amount,
    amountMinor: t.amountMinor,
    scale: t.scale,
    currency: t.currency,
    baseCurrency: t.baseCurrency,
    note: t.note,
    epic: t.instrument?.epic ?? null,
    instrumentId: t.instrument?.instrumentId ?? null,
    dealId: t.dealId ?? null,
    known: t.known,
    rawSha256: t.rawSha256,
  };
}

/** The CSV columns, in the JSON's order; amounts are the same exact decimal text. */
const CSV_COLUMNS: readonly CsvColumn<TransactionView>[] = [
  { header: 'id', kind: 'text', value: (t) => t.id },
  { header: 'account_id', kind: 'text', value: (t) => t.accountId },
  { header: 'reference', kind: 'text', value: (t) => t.reference },
  { header: 'transaction_type', kind: 'text', value: (t) => t.transactionType },
  { header: 'leg', kind: 'number', value: (t) => t.leg },
  { header: 'status', kind: 'text', value: (t) => t.status },
  { header: 'booked_at_utc', kind: 'text', value: (t) => t.bookedAt },
  { header: 'amount', kind: 'number', value: (t) => t.amount },
  { header: 'amount_minor', kind: 'number', value: (t) => t.amountMinor },
  { header: 'scale', kind: 'number', value: (t) => t.scale },
  { header: 'currency', kind: 'text', value: (t) => t.currency },
  { header: 'base_currency', kind: 'text', value: (t) => t.baseCurrency },
  { header: 'note', kind: 'text', value: (t) => t.note },
  { header: 'epic', kind: 'text', value: (t) => t.epic },
  { header: 'instrument_id', kind: 'text', value: (t) => t.instrumentId },
  { header: 'deal_id', kind: 'text', value: (t) => t.dealId },
  { header: 'known_type', kind: 'text', value: (t) => t.known },
  { header: 'raw_sha256', kind: 'text', value: (t) => t.rawSha256 },
];

function wantsCsv(format: 'json' | 'csv' | undefined, request: FastifyRequest): boolean {
  if (format) return format === 'csv';
  const accept = request.headers.accept ?? '';
  return /(^|,)\s*text\/csv\b/i.test(accept) && !/(^|,)\s*application\/json\b/i.test(accept);
}

function positionFrom(cursorText: string | undefined, fingerprint: string): TransactionPosition | undefined {
  if (cursorText === undefined) return undefined;
  try {
    const [bookedAtMs, id] = decodeCursor(cursorText, fingerprint);
    if (typeof bookedAtMs !== 'number' || typeof id !== 'string') throw new CursorError('not a cursor this API issued');
    return { bookedAtMs, id };
  } catch (error) {
    if (error instanceof CursorError) throw badRequest(`query.cursor: ${error.message}`, [{ field: 'query.cursor', reason: error.message }]);
    throw error;
  }
}

/** The same URL with the next page's cursor, for the Link header. */
function nextPageUrl(request: FastifyRequest, nextCursor: string): string {
  const url = new URL(request.url, 'http://placeholder');
  url.searchParams.set('cursor', nextCursor);
  return `${url.pathname}${url.search}`;
}

export const ledgerRoutes: RouteModule = {
  tag: 'ledger',
  description: 'The normalised broker transactions behind every run, as stored.',
  routes: [
    defineRoute({
      method: 'GET',
      path: '/ledger/transactions',
      operationId: 'listTransactions',
      tag: 'ledger',
      summary: "An account's normalised transactions, oldest first, a page at a time",
      description:
        'Ordered by booking time, then id. The cursor marks a position in that order (keyset pagination), so it stays valid while new transactions arrive: no row is served twice or skipped. A cursor only works with the parameters it was issued for. CSV pages carry the next cursor in X-Next-Cursor and a Link header.',
      scope: 'ledger:read',
      query: transactionsQuery,
      answers: {
        200: {
          description: 'a page of transactions',
          content: { 'application/json': page(transaction), 'text/csv; charset=utf-8': undefined },
          headers: { 'X-Next-Cursor': 'the next page (absent on the last)', Link: '<…>; rel="next"' },
        },
      },
      handle: async ({ query, request, reply, deps }) => {
        const filter: TransactionFilter = { accountId: query.accountId, fromMs: query.from, toMs: query.to, transactionType: query.transactionType };
        const fingerprint = queryFingerprint({ list: 'transactions', ...filter });
        const result = await transactionsPage(deps.db, filter, query.limit, positionFrom(query.cursor, fingerprint));
        const items = result.rows.map(transactionView);
        const nextCursor = result.next ? encodeCursor([result.next.bookedAtMs, result.next.id], fingerprint) : null;
        if (nextCursor) void reply.header('x-next-cursor', nextCursor).header('link', `<${nextPageUrl(request, nextCursor)}>; rel="next"`);
        void reply.header('vary', 'Accept');
        if (!wantsCsv(query.format, request)) return { items, nextCursor };
        void reply.type('text/csv; charset=utf-8');
        return toCsv(CSV_COLUMNS, items);
      },
    }),
  ],
};
