/**
 * The simulator's side of the streaming wire format (reference §8, examples/websocket-frames.json):
 * reading client messages and writing server frames. Written independently of the client's
 * protocol module, so a misreading of the docs in one does not silently agree with the other.
 */

import { STREAM_DESTINATIONS } from '../../lib/capital/vocabulary';

export { BAR_TYPES, RESOLUTIONS, type BarType, type Resolution } from '../../lib/capital/vocabulary';
export const ServerDestination = STREAM_DESTINATIONS;

/**
 * Error codes in ERROR frames. The session codes are the ones seen live (§2.3); where the docs are
 * silent (oversized subscriptions, unknown destinations, bad JSON) the names are the simulator's own.
 */
export const StreamingErrorCode = {
  invalidSession: 'error.invalid.session.token',
  missingTokens: 'error.null.client.token',
  malformedMessage: 'error.malformed.message',
  unknownDestination: 'error.invalid.destination',
  missingEpics: 'error.null.epic',
  invalidEpics: 'error.invalid.epics',
  tooManyEpics: 'error.too-many.epics',
  tooManySubscriptions: 'error.too-many.subscriptions',
  invalidResolution: 'error.invalid.resolution',
  invalidType: 'error.invalid.type',
} as const;

/** Ack status of a subscription the server took; unknown epics get `NOT_FOUND` (the simulator's choice). */
export const PROCESSED = 'PROCESSED';
export const NOT_FOUND = 'NOT_FOUND';

/** `correlationId` is echoed as sent: a string in the docs, an integer on the marketing site. */
export type CorrelationId = string | number | undefined;

export interface ClientRequest {
  destination: string;
  correlationId: CorrelationId;
  cst: unknown;
  securityToken: unknown;
  payload: Record<string, unknown>;
}

export type ReadResult = { ok: true; request: ClientRequest } | { ok: false; destination: string | undefined; correlationId: CorrelationId; problem: string };

export function readClientMessage(text: string): ReadResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, destination: undefined, correlationId: undefined, problem: 'not JSON' };
  }
  if (!isRecord(parsed)) return { ok: false, destination: undefined, correlationId: undefined, problem: 'not a JSON object' };
  const correlationId = typeof parsed.correlationId === 'string' || typeof parsed.correlationId === 'number' ? parsed.correlationId : undefined;
  if (typeof parsed.destination !== 'string' || parsed.destination === '') return { ok: false, destination: undefined, correlationId, problem: 'no destination' };
  if (parsed.payload !== undefined && !isRecord(parsed.payload)) return { ok: false, destination: parsed.destination, correlationId, problem: 'payload is not an object' };
  return {
    ok: true,
    request: { destination: parsed.destination, correlationId, cst: parsed.cst, securityToken: parsed.securityToken, payload: parsed.payload ?? {} },
  };
}

export function okFrame(destination: string, correlationId: CorrelationId, payload: Record<string, unknown>): string {
  return JSON.stringify({ status: 'OK', destination, correlationId, payload });
}

/** The code goes in `payload.errorCode`, as in the community fixture (the last example frame). */
export function errorFrame(destination: string | undefined, correlationId: CorrelationId, errorCode: string): string {
  return JSON.stringify({ status: 'ERROR', destination: destination ?? 'unknown', correlationId, payload: { errorCode } });
}

export interface QuoteValues {
  bid: number;
  bidQty: number;
  ofr: number;
  ofrQty: number;
}

export function quoteFrame(epic: string, values: QuoteValues, timestampMs: number): string {
  return JSON.stringify({
    status: 'OK',
    destination: ServerDestination.quote,
    payload: { epic, product: 'CFD', bid: values.bid, bidQty: values.bidQty, ofr: values.ofr, ofrQty: values.ofrQty, timestamp: timestampMs },
  });
}

export interface BarValues {
  o: number;
  h: number;
  l: number;
  c: number;
}

export function ohlcFrame(epic: string, resolution: string, type: string, barStartMs: number, bar: BarValues): string {
  return JSON.stringify({
    status: 'OK',
    destination: ServerDestination.ohlc,
    payload: { resolution, epic, type, priceType: 'bid', t: barStartMs, h: bar.h, l: bar.l, o: bar.o, c: bar.c },
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
