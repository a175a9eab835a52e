/**
 * WebSocket frames, both directions. Client messages are validated strictly (we send them, and the
 * simulator checks them); server frames tolerantly, like REST responses.
 *
 * There is no handshake: every client message carries the REST session's `cst` and
 * `securityToken`. The server echoes `correlationId` and the request `destination` in its acks.
 */
import { z } from 'zod';
import { CapitalResponseError } from '../errors';
import { decimalSchema, describeJsonValue, epochMsSchema, openEnum, parseResponse } from './common';

import { BAR_TYPES, RESOLUTIONS, STREAMING_EPICS_MAX } from '../vocabulary';

export { BAR_TYPES, RESOLUTIONS, STREAMING_EPICS_MAX, type BarType, type Resolution } from '../vocabulary';
/** Bar resolutions for streaming and for `GET /prices` (MINUTE_10 existed only in the 2022 docs). */
export const resolutionSchema = z.enum(RESOLUTIONS);
export const barTypeSchema = z.enum(BAR_TYPES);

export const PRICE_TYPES = ['bid', 'ask'] as const;

export const CLIENT_DESTINATIONS = [
  'marketData.subscribe',
  'marketData.unsubscribe',
  'OHLCMarketData.subscribe',
  'OHLCMarketData.unsubscribe',
  'ping',
] as const;

/** A string in the docs, an integer on capital.com/api-websocket: both are echoed as sent. */
export const correlationIdSchema = z.union([z.string(), z.number()], {
  error: (issue) => `expected a correlationId string or number, got ${describeJsonValue(issue.input)}`,
});
export type CorrelationId = z.output<typeof correlationIdSchema>;

const epicsSchema = z.array(z.string().min(1)).min(1).max(STREAMING_EPICS_MAX);

const envelope = {
  correlationId: correlationIdSchema,
  cst: z.string().min(1),
  securityToken: z.string().min(1),
};

export const marketDataSubscribeMessageSchema = z.strictObject({
  ...envelope,
  destination: z.literal('marketData.subscribe'),
  payload: z.strictObject({ epics: epicsSchema }),
});

export const marketDataUnsubscribeMessageSchema = z.strictObject({
  ...envelope,
  destination: z.literal('marketData.unsubscribe'),
  payload: z.strictObject({ epics: epicsSchema }),
});

/** Defaults on the server: resolutions ["MINUTE"], type "classic". */
export const ohlcSubscribeMessageSchema = z.strictObject({
  ...envelope,
  destination: z.literal('OHLCMarketData.subscribe'),
  payload: z.strictObject({
    epics: epicsSchema,
    resolutions: z.array(resolutionSchema).min(1).optional(),
    type: barTypeSchema.optional(),
  }),
});

/** Note the plural `types` here (singular `type` on subscribe). Anything omitted means "all". */
export const ohlcUnsubscribeMessageSchema = z.strictObject({
  ...envelope,
  destination: z.literal('OHLCMarketData.unsubscribe'),
  payload: z.strictObject({
    epics: epicsSchema,
    resolutions: z.array(resolutionSchema).min(1).optional(),
    types: z.array(barTypeSchema).min(1).optional(),
  }),
});

export const pingMessageSchema = z.strictObject({
  ...envelope,
  destination: z.literal('ping'),
  payload: z.strictObject({}).optional(),
});

/** Any message a client may send. */
export const clientMessageSchema = z.discriminatedUnion('destination', [
  marketDataSubscribeMessageSchema,
  marketDataUnsubscribeMessageSchema,
  ohlcSubscribeMessageSchema,
  ohlcUnsubscribeMessageSchema,
  pingMessageSchema,
]);
export type ClientMessage = z.output<typeof clientMessageSchema>;
export type ClientDestination = ClientMessage['destination'];

/**
 * Acknowledgement of a (un)subscribe. Keys are epics for quotes and `EPIC:RESOLUTION:type` for
 * bars; values are `PROCESSED` when it worked.
 */
export const subscriptionAckFrameSchema = z.looseObject({
  status: z.literal('OK'),
  destination: z.string(),
  correlationId: correlationIdSchema,
  payload: z.looseObject({ subscriptions: z.record(z.string(), z.string()) }),
});
export type SubscriptionAckFrame = z.output<typeof subscriptionAckFrameSchema>;

/** A quote: `ofr` is the ask (REST calls it `ask`). */
export const quotePayloadSchema = z.looseObject({
  epic: z.string(),
  product: z.string(),
  bid: decimalSchema,
  bidQty: decimalSchema,
  ofr: decimalSchema,
  ofrQty: decimalSchema,
  timestamp: epochMsSchema,
});
export type QuotePayload = z.output<typeof quotePayloadSchema>;

export const quoteFrameSchema = z.looseObject({
  status: z.string(),
  destination: z.literal('quote'),
  payload: quotePayloadSchema,
});
export type QuoteFrame = z.output<typeof quoteFrameSchema>;

/** A bar: `t` is its start in epoch ms. There is no volume. */
export const ohlcPayloadSchema = z.looseObject({
  resolution: openEnum(RESOLUTIONS),
  epic: z.string(),
  type: openEnum(BAR_TYPES),
  priceType: openEnum(PRICE_TYPES),
  t: epochMsSchema,
  o: decimalSchema,
  h: decimalSchema,
  l: decimalSchema,
  c: decimalSchema,
});
export type OhlcPayload = z.output<typeof ohlcPayloadSchema>;

export const ohlcFrameSchema = z.looseObject({
  status: z.string(),
  destination: z.literal('ohlc.event'),
  payload: ohlcPayloadSchema,
});
export type OhlcFrame = z.output<typeof ohlcFrameSchema>;

export const pingReplyFrameSchema = z.looseObject({
  status: z.literal('OK'),
  destination: z.literal('ping'),
  correlationId: correlationIdSchema,
  payload: z.looseObject({}).optional(),
});
export type PingReplyFrame = z.output<typeof pingReplyFrameSchema>;

/**
 * An error: echoes the request destination; the code is in `payload.errorCode` (docs and fixtures)
 * or at the top level (what one community client reads), so both are accepted.
 */
export const errorFrameSchema = z
  .looseObject({
    status: z.literal('ERROR'),
    destination: z.string().optional(),
    correlationId: correlationIdSchema.optional(),
    errorCode: z.string().optional(),
    payload: z.looseObject({ errorCode: z.string().optional() }).optional(),
  })
  .refine((frame) => frame.errorCode !== undefined || frame.payload?.errorCode !== undefined, {
    error: 'an ERROR frame without errorCode (top level or payload.errorCode)',
    path: ['payload', 'errorCode'],
  });
export type ErrorFrame = z.output<typeof errorFrameSchema>;

/** The error code of an ERROR frame from wherever the server put it; undefined when there is none. */
export function streamingErrorCode(frame: unknown): string | undefined {
  if (!isRecord(frame)) return undefined;
  if (typeof frame.errorCode === 'string') return frame.errorCode;
  const payload = frame.payload;
  return isRecord(payload) && typeof payload.errorCode === 'string' ? payload.errorCode : undefined;
}

export type ServerFrame =
  | { kind: 'error'; frame: ErrorFrame }
  | { kind: 'quote'; frame: QuoteFrame }
  | { kind: 'ohlc'; frame: OhlcFrame }
  | { kind: 'pingReply'; frame: PingReplyFrame }
  | { kind: 'subscriptionAck'; frame: SubscriptionAckFrame };

/**
 * Classifies and parses a server frame by its `status` and `destination` (rather than trying every
 * schema) so a malformed frame is reported against the schema it was meant to match. Throws
 * `CapitalResponseError` with endpoint `WebSocket <destination>`.
 */
export function parseServerFrame(frame: unknown): ServerFrame {
  const destination = isRecord(frame) && typeof frame.destination === 'string' ? frame.destination : undefined;
  const endpoint = `WebSocket ${destination ?? '(no destination)'}`;
  if (!isRecord(frame)) throw new CapitalResponseError(endpoint, '', `expected a JSON object frame, got ${describeJsonValue(frame)}`);
  if (frame.status === 'ERROR') return { kind: 'error', frame: parseResponse(endpoint, errorFrameSchema, frame) };
  switch (destination) {
    case 'quote':
      return { kind: 'quote', frame: parseResponse(endpoint, quoteFrameSchema, frame) };
    case 'ohlc.event':
      return { kind: 'ohlc', frame: parseResponse(endpoint, ohlcFrameSchema, frame) };
    case 'ping':
      return { kind: 'pingReply', frame: parseResponse(endpoint, pingReplyFrameSchema, frame) };
    default:
      return { kind: 'subscriptionAck', frame: parseResponse(endpoint, subscriptionAckFrameSchema, frame) };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
