import type WebSocket from 'ws';
import type { BarType, Resolution } from './frames';

export interface BarSubscription {
  epic: string;
  resolution: Resolution;
  type: BarType;
}

/** One client connection on the simulator: its socket, what it subscribed to, and its counters. */
export class Subscriber {
  readonly quoteEpics = new Set<string>();
  /** Keyed `EPIC:RESOLUTION:type`, the way acks spell them. */
  readonly bars = new Map<string, BarSubscription>();
  lastMessageAtMs: number;
  quotesSent = 0;
  quotesDropped = 0;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    nowMs: number,
  ) {
    this.lastMessageAtMs = nowMs;
  }

  subscriptionCount(): number {
    return this.quoteEpics.size + this.bars.size;
  }

  isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }
}

export function barKey(epic: string, resolution: string, type: string): string {
  return `${epic}:${resolution}:${type}`;
}
