import type { Subscriber } from './subscriber';

/**
 * Sends a data frame unless the subscriber's unsent backlog is already over `maxBufferedBytes`:
 * a slow client loses quotes instead of growing the simulator's memory. Returns whether it was sent.
 */
export function sendOrDrop(subscriber: Subscriber, frame: string, maxBufferedBytes: number): boolean {
  const { socket } = subscriber;
  if (socket.readyState !== socket.OPEN || socket.bufferedAmount > maxBufferedBytes) return false;
  socket.send(frame);
  return true;
}
