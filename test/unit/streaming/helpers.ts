/**
 * Shared pieces of the streaming tests: a deterministic price source, a session store whose tokens
 * can be rotated, a log that is captured, bounded waiting, and a bare WebSocket client that sees
 * the raw frames.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { createLogger, type Logger } from '../../../lib/log';
import type { PriceSource } from '../../../simulator/streaming';
import { OFFICIAL_EXAMPLES_DIR } from '../../helpers/official-examples';

export type Frame = Record<string, unknown> & { payload?: Record<string, unknown> };

/**
 * The documented frames (the API reference's examples/websocket-frames.json), without the
 * `_direction`/`_note` annotations, in file order.
 */
export function exampleFrames(): Frame[] {
  const file = path.join(OFFICIAL_EXAMPLES_DIR, 'websocket-frames.json');
  const frames = JSON.parse(readFileSync(file, 'utf8')) as Frame[];
  return frames.map((frame) => Object.fromEntries(Object.entries(frame).filter(([key]) => !key.startsWith('_'))) as Frame);
}

/** Prices that depend only on the epic and the time, so every run sends the same numbers. */
export const fakePrices: PriceSource = {
  quote(epic, timeMs) {
    const base = 50 + (epicNumber(epic) % 200);
    const wiggle = ((Math.floor(timeMs / 100) % 20) - 10) / 100;
    const bid = Math.round((base + wiggle) * 100) / 100;
    return { bid, bidQty: 5000, ofr: Math.round((bid + 0.03) * 100) / 100, ofrQty: 4976 };
  },
  bar(epic, _resolution, barStartMs) {
    const o = 100 + (epicNumber(epic) % 50) + (Math.floor(barStartMs / 60_000) % 7) / 10;
    return { o, h: o + 0.5, l: o - 0.25, c: o + 0.125 };
  },
};

function epicNumber(epic: string): number {
  let sum = 0;
  for (const char of epic) sum = (sum * 31 + char.charCodeAt(0)) % 100_003;
  return sum;
}

export function epicNames(count: number, prefix = 'EPIC'): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}_${String(index).padStart(3, '0')}`);
}

/**
 * The REST simulator's session store in miniature. `cst`/`securityToken` are what the client holds;
 * the server accepts only the live pair, which `invalidate()` kills and `renew()` replaces.
 */
export class FakeSessions {
  private generation = 1;
  cst = 'cst-session-0001';
  securityToken = 'xst-session-0001';
  renewals = 0;
  private live: { cst: string; securityToken: string } | undefined = { cst: this.cst, securityToken: this.securityToken };

  authenticate = (cst: string, securityToken: string): 'ok' | 'invalid' => (this.live && cst === this.live.cst && securityToken === this.live.securityToken ? 'ok' : 'invalid');

  credentials = () => ({ cst: this.cst, securityToken: this.securityToken });

  /** What the REST session does on re-login: new tokens, the old ones dead. */
  renew = async (): Promise<void> => {
    this.renewals += 1;
    this.generation += 1;
    const suffix = String(this.generation).padStart(4, '0');
    this.cst = `cst-session-${suffix}`;
    this.securityToken = `xst-session-${suffix}`;
    this.live = { cst: this.cst, securityToken: this.securityToken };
  };

  /** The server forgets the session (expiry, a second login elsewhere); the client does not know yet. */
  invalidate(): void {
    this.live = undefined;
  }
}

export function capturedLog(level = 'warn'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ level, format: 'json', destination }), lines };
}

/** Polls `condition` every few milliseconds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A bare client that records every frame it receives, for checking the server byte by byte. */
export class RawClient {
  readonly frames: Frame[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Frame));
  }

  static async open(url: string): Promise<RawClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first recorded frame that matches, waiting for it if need be. */
  async next(what: string, match: (frame: Frame) => boolean, timeoutMs = 3_000): Promise<Frame> {
    let found: Frame | undefined;
    await waitFor(what, () => (found = this.frames.find(match)) !== undefined, timeoutMs);
    return found as Frame;
  }

  reply(correlationId: string): Promise<Frame> {
    return this.next(`a reply to ${correlationId}`, (frame) => frame.correlationId === correlationId);
  }

  count(destination: string): number {
    return this.frames.filter((frame) => frame.destination === destination).length;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.terminate();
    });
  }
}

export function keysOf(value: unknown): string[] {
  return Object.keys(value as object).sort();
}
