import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { openMarketStream } from '../../../lib/capital';
import { allMarkets } from '../../../simulator/data/markets';
import { logins, quietLog, startSimulatorWithClient } from '../../helpers/simulator';

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

test('100 epics stream over 3 connections, survive drops and a session invalidation', async (t) => {
  const fixture = await startSimulatorWithClient({ quotesPerSecond: 5_000 });
  const stream = await openMarketStream(fixture.client, { log: quietLog, pingIntervalMs: 2_000, staleAfterMs: 5_000, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
  try {
    const epics = allMarkets().slice(0, 100).map((m) => m.epic);
    assert.equal(epics.length, 100);
    const seen = new Set<string>();
    let quotes = 0;
    stream.on('quote', (quote) => {
      seen.add(quote.epic);
      quotes++;
    });
    stream.subscribeQuotes(epics);
    await until('quotes for every epic', () => seen.size === 100);
    const state = stream.state();
    assert.equal(state.connections.length, 3);
    assert.ok(state.connections.every((c) => c.epics.length <= 40));

    fixture.simulator.streaming.dropAll();
    const before = quotes;
    await until('quotes after the drop', () => quotes > before + 500 && stream.state().connections.every((c) => c.connected));
    assert.ok(stream.state().connections.some((c) => c.reconnects > 0), 'reconnected');

    fixture.simulator.core.sessions.invalidateAll();
    fixture.simulator.streaming.dropAll();
    const afterInvalidation = quotes;
    await until('quotes after re-login', () => quotes > afterInvalidation + 500, 15_000);
    assert.ok(logins(fixture.events) >= 2, 'the session logged in again');
    t.diagnostic(`${quotes} quotes from ${seen.size} epics; ${logins(fixture.events)} logins`);
  } finally {
    await stream.close();
    await fixture.close();
  }
});
