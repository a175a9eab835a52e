import {
  BAR_TYPES,
  errorFrame,
  NOT_FOUND,
  okFrame,
  PROCESSED,
  readClientMessage,
  RESOLUTIONS,
  ServerDestination,
  StreamingErrorCode,
  type BarType,
  type ClientRequest,
  type Resolution,
} from './frames';
import { barKey, type Subscriber } from './subscriber';

export interface RequestRules {
  authenticate(cst: string, securityToken: string): 'ok' | 'invalid';
  knownEpic(epic: string): boolean;
  maxEpicsPerSubscription: number;
  maxSubscriptionsPerConnection: number;
}

export interface RequestOutcome {
  /** The frame to send back: an ack, a ping reply or an ERROR frame. */
  reply: string;
  kind: 'answered' | 'rejected' | 'malformed';
  subscriptionsChanged: boolean;
}

/** Answers one client message and applies it to the subscriber's subscriptions. */
export function answerClientMessage(subscriber: Subscriber, text: string, rules: RequestRules): RequestOutcome {
  const read = readClientMessage(text);
  if (!read.ok) return { reply: errorFrame(read.destination, read.correlationId, StreamingErrorCode.malformedMessage), kind: 'malformed', subscriptionsChanged: false };
  const { request } = read;
  const reject = (code: string): RequestOutcome => ({ reply: errorFrame(request.destination, request.correlationId, code), kind: 'rejected', subscriptionsChanged: false });

  // No handshake auth: every message, pings included, must carry a live session.
  if (typeof request.cst !== 'string' || request.cst === '' || typeof request.securityToken !== 'string' || request.securityToken === '') {
    return reject(StreamingErrorCode.missingTokens);
  }
  if (!isAuthenticated(rules, request.cst, request.securityToken)) return reject(StreamingErrorCode.invalidSession);

  switch (request.destination) {
    case ServerDestination.ping:
      return answered(okFrame(ServerDestination.ping, request.correlationId, {}), false);
    case ServerDestination.quoteSubscribe:
      return subscribeQuotes(subscriber, request, rules, reject);
    case ServerDestination.quoteUnsubscribe:
      return unsubscribeQuotes(subscriber, request, reject);
    case ServerDestination.ohlcSubscribe:
      return subscribeBars(subscriber, request, rules, reject);
    case ServerDestination.ohlcUnsubscribe:
      return unsubscribeBars(subscriber, request, reject);
    default:
      return reject(StreamingErrorCode.unknownDestination);
  }
}

type Reject = (code: string) => RequestOutcome;

function subscribeQuotes(subscriber: Subscriber, request: ClientRequest, rules: RequestRules, reject: Reject): RequestOutcome {
  const epics = readEpics(request.payload.epics, rules.maxEpicsPerSubscription);
  if (typeof epics === 'string') return reject(epics);
  const known = epics.filter((epic) => rules.knownEpic(epic));
  const added = known.filter((epic) => !subscriber.quoteEpics.has(epic)).length;
  if (subscriber.subscriptionCount() + added > rules.maxSubscriptionsPerConnection) return reject(StreamingErrorCode.tooManySubscriptions);
  const subscriptions: Record<string, string> = {};
  for (const epic of epics) {
    const isKnown = rules.knownEpic(epic);
    if (isKnown) subscriber.quoteEpics.add(epic);
    subscriptions[epic] = isKnown ? PROCESSED : NOT_FOUND;
  }
  return answered(okFrame(request.destination, request.correlationId, { subscriptions }), added > 0);
}

function unsubscribeQuotes(subscriber: Subscriber, request: ClientRequest, reject: Reject): RequestOutcome {
  const epics = readEpics(request.payload.epics, undefined);
  if (typeof epics === 'string') return reject(epics);
  const subscriptions: Record<string, string> = {};
  let changed = false;
  for (const epic of epics) {
    changed = subscriber.quoteEpics.delete(epic) || changed;
    subscriptions[epic] = PROCESSED;
  }
  return answered(okFrame(request.destination, request.correlationId, { subscriptions }), changed);
}

function subscribeBars(subscriber: Subscriber, request: ClientRequest, rules: RequestRules, reject: Reject): RequestOutcome {
  const epics = readEpics(request.payload.epics, rules.maxEpicsPerSubscription);
  if (typeof epics === 'string') return reject(epics);
  const resolutions = readResolutions(request.payload.resolutions, ['MINUTE']);
  if (resolutions === undefined) return reject(StreamingErrorCode.invalidResolution);
  const type = request.payload.type ?? 'classic';
  if (!BAR_TYPES.includes(type as BarType)) return reject(StreamingErrorCode.invalidType);

  const wanted = epics.flatMap((epic) => resolutions.map((resolution) => ({ epic, resolution, type: type as BarType, key: barKey(epic, resolution, type as string) })));
  const added = wanted.filter((entry) => rules.knownEpic(entry.epic) && !subscriber.bars.has(entry.key)).length;
  if (subscriber.subscriptionCount() + added > rules.maxSubscriptionsPerConnection) return reject(StreamingErrorCode.tooManySubscriptions);
  const subscriptions: Record<string, string> = {};
  for (const { epic, resolution, type: barType, key } of wanted) {
    const isKnown = rules.knownEpic(epic);
    if (isKnown) subscriber.bars.set(key, { epic, resolution, type: barType });
    subscriptions[key] = isKnown ? PROCESSED : NOT_FOUND;
  }
  return answered(okFrame(request.destination, request.correlationId, { subscriptions }), added > 0);
}

/** Omitted `resolutions` or `types` (plural here, §8) mean all; naming only epics removes all their bars. */
function unsubscribeBars(subscriber: Subscriber, request: ClientRequest, reject: Reject): RequestOutcome {
  const epics = readEpics(request.payload.epics, undefined);
  if (typeof epics === 'string') return reject(epics);
  const resolutions = request.payload.resolutions === undefined ? undefined : readResolutions(request.payload.resolutions, []);
  if (request.payload.resolutions !== undefined && resolutions === undefined) return reject(StreamingErrorCode.invalidResolution);
  const types = request.payload.types;
  if (types !== undefined && !(Array.isArray(types) && types.every((type) => BAR_TYPES.includes(type as BarType)))) return reject(StreamingErrorCode.invalidType);

  const wantedEpics = new Set(epics);
  const subscriptions: Record<string, string> = {};
  for (const [key, bar] of subscriber.bars) {
    if (!wantedEpics.has(bar.epic)) continue;
    if (resolutions && !resolutions.includes(bar.resolution)) continue;
    if (types && !(types as string[]).includes(bar.type)) continue;
    subscriber.bars.delete(key);
    subscriptions[key] = PROCESSED;
  }
  return answered(okFrame(request.destination, request.correlationId, { subscriptions }), Object.keys(subscriptions).length > 0);
}

/** The epics of a request, or the error code that rejects it. Only subscribes have a size cap. */
function readEpics(value: unknown, maxEpics: number | undefined): string[] | string {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return StreamingErrorCode.missingEpics;
  if (!Array.isArray(value) || !value.every((epic) => typeof epic === 'string' && epic !== '')) return StreamingErrorCode.invalidEpics;
  if (maxEpics !== undefined && value.length > maxEpics) return StreamingErrorCode.tooManyEpics;
  return [...new Set(value as string[])];
}

function readResolutions(value: unknown, fallback: Resolution[]): Resolution[] | undefined {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length === 0 || !value.every((resolution) => RESOLUTIONS.includes(resolution as Resolution))) return undefined;
  return [...new Set(value as Resolution[])];
}

/** A session store that throws is treated as saying no, never as a crash. */
function isAuthenticated(rules: RequestRules, cst: string, securityToken: string): boolean {
  try {
    return rules.authenticate(cst, securityToken) === 'ok';
  } catch {
    return false;
  }
}

function answered(reply: string, subscriptionsChanged: boolean): RequestOutcome {
  return { reply, kind: 'answered', subscriptionsChanged };
}
