/**
 * The simulator's notion of "now": real time plus an offset that tests (and the admin endpoint)
 * can move forward, so a 10-minute session expiry can happen instantly.
 */
export class SimulatorClock {
  private offsetMs = 0;
  private frozenAt: number | undefined;

  now(): number {
    return (this.frozenAt ?? Date.now()) + this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot advance the clock by ${ms} ms`);
    this.offsetMs += ms;
  }

  /** Stops time at `atMs` (or now); `unfreeze()` lets it run again from there. */
  freeze(atMs?: number): void {
    const now = this.now();
    this.frozenAt = atMs ?? now;
    this.offsetMs = 0;
  }

  unfreeze(): void {
    if (this.frozenAt === undefined) return;
    this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = undefined;
  }
}
