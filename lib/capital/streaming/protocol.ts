/**
 * The Capital.com streaming wire format (reference §8), as the client sees it: the messages it
 * sends and a tolerant reader for the frames it receives. Kept apart from the zod schemas so the
 * hot path (tens of thousands of quotes a second) is a few `typeof` checks, not a schema walk.
 */

import { BAR_TYPES, RESOLUTIONS, STREAM_DESTINATIONS, STREAMING_EPICS_MAX, type BarType, type Resolution } from '../vocabulary';

/** Official cap on epics in one subscribe message; also the default per connection. */
export const MAX_EPICS_PER_MESSAGE = STREAMING_EPICS_MAX;
export const Destination = STREAM_DESTINATIONS;
export const OHLC_RESOLUTIONS = RESOLUTIONS;
export type OhlcResolution = Resolution;
export const OHLC_TYPES = BAR_TYPES;
export type OhlcType = BarType;

export interface StreamingCredentials {
  cst: string;
  securityToken: string;
}

/** Every client message: no handshake auth, so the tokens ride along each time. */
export interface ClientMessage extends StreamingCredentials {
  destination: string;
  correlationId: string;
  payload?: Record<string, unknown>;
}

export interface Quote {
  epic: string;
  bid: number;
  bidQty: number;
  ofr: number;
  ofrQty: number;
  /** Epoch milliseconds, as sent by the server. */
  timestamp: number;
}

export interface OhlcBar {
  epic: string;
  resolution: string;
  type: string;
  /** `bid` in the docs; community clients also see ask bars, so it is passed through. */
  priceType: string;
  /** Bar start, epoch milliseconds. */
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
}

export type ServerFrame =
  | { kind: 'quote'; quote: Quote }
  | { kind: 'ohlc'; bar: OhlcBar }
  | { kind: 'ack'; destination: string; correlationId: string | undefined; subscriptions: Record<string, string> }
  | { kind: 'pong'; correlationId: string | undefined }
  | { kind: 'error'; destination: string | undefined; correlationId: string | undefined; errorCode: string }
  | { kind: 'other'; destination: string | undefined }
  | { kind: 'malformed'; problem: string };

/** Key of one OHLC subscription, exactly as the server spells it in acks: `AAPL:MINUTE_5:classic`. */
export function ohlcSubscriptionKey(epic: string, resolution: string, type: string): string {
  return `${epic}:${resolution}:${type}`;
}

/** Splits a list into consecutive pieces of at most `size` items. */
export function inChunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Reads one text frame. Never throws: anything unexpected comes back as `malformed` with a reason. */
export function readServerFrame(text: string): ServerFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'malformed', problem: 'not JSON' };
  }
  if (!isRecord(parsed)) return { kind: 'malformed', problem: 'not a JSON object' };
  const destination = typeof parsed.destination === 'string' ? parsed.destination : undefined;
  const correlationId = readCorrelationId(parsed.correlationId);
  const payload = isRecord(parsed.payload) ? parsed.payload : undefined;

  if (parsed.status === 'ERROR') {
    // The code sits in payload.errorCode (fixtures) or at top level (one community client): take either.
    const errorCode = typeof payload?.errorCode === 'string' ? payload.errorCode : typeof parsed.errorCode === 'string' ? parsed.errorCode : undefined;
    if (errorCode === undefined) return { kind: 'malformed', problem: 'ERROR frame without errorCode' };
    return { kind: 'error', destination, correlationId, errorCode };
  }
  if (parsed.status !== 'OK') return { kind: 'malformed', problem: 'status is neither OK nor ERROR' };

  if (destination === Destination.quote) return readQuote(payload);
  if (destination === Destination.ohlc) return readOhlcBar(payload);
  if (destination === Destination.ping) return { kind: 'pong', correlationId };
  if (destination !== undefined && isRecord(payload?.subscriptions)) {
    const subscriptions: Record<string, string> = {};
    for (const [key, status] of Object.entries(payload.subscriptions)) {
      // Statuses are words; an object or array here is not an ack (and String() of a deeply nested one overflows the stack).
      if (typeof status === 'object' && status !== null) return { kind: 'malformed', problem: `ack with a non-text status for '${key.slice(0, 64)}'` };
      subscriptions[key] = String(status);
    }
    return { kind: 'ack', destination, correlationId, subscriptions };
  }
  return { kind: 'other', destination };
}

function readQuote(payload: Record<string, unknown> | undefined): ServerFrame {
  if (!payload) return { kind: 'malformed', problem: 'quote without payload' };
  const { epic, bid, bidQty, ofr, ofrQty, timestamp } = payload;
  if (typeof epic !== 'string' || epic === '') return { kind: 'malformed', problem: 'quote without epic' };
  if (!isFiniteNumber(bid) || !isFiniteNumber(ofr)) return { kind: 'malformed', problem: `quote for ${epic} has a non-finite bid or ofr` };
  if (!isFiniteNumber(bidQty) || !isFiniteNumber(ofrQty)) return { kind: 'malformed', problem: `quote for ${epic} has a non-finite bidQty or ofrQty` };
  if (!isFiniteNumber(timestamp)) return { kind: 'malformed', problem: `quote for ${epic} has no numeric timestamp` };
  return { kind: 'quote', quote: { epic, bid, bidQty, ofr, ofrQty, timestamp } };
}

function readOhlcBar(payload: Record<string, unknown> | undefined): ServerFrame {
  if (!payload) return { kind: 'malformed', problem: 'ohlc.event without payload' };
  const { epic, resolution, type, priceType, t, o, h, l, c } = payload;
  if (typeof epic !== 'string' || epic.trim() === '' || typeof resolution !== 'string' || typeof type !== 'string') {
    return { kind: 'malformed', problem: 'ohlc.event without epic, resolution or type' };
  }
  if (![t, o, h, l, c].every(isFiniteNumber)) return { kind: 'malformed', problem: `ohlc.event for ${epic} has a non-finite t, o, h, l or c` };
  return {
    kind: 'ohlc',
    bar: { epic, resolution, type, priceType: typeof priceType === 'string' ? priceType : 'bid', t: t as number, o: o as number, h: h as number, l: l as number, c: c as number },
  };
}

/** A string in the docs, an integer on the marketing site: both become strings. */
function readCorrelationId(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
