import { Logger } from '@nestjs/common';
import { CacheEntries } from './cache-entry';
import { CacheTelemetry } from './cache-telemetry';
import { InvalidationLog } from './invalidation-log';
import { L2Store } from './l2-store';
import { MissedWrites } from './missed-writes';

/** The three L2 commands a replay uses; `down` makes each of them fail as an unreachable Redis. */
class ReplayL2 {
  down = false;
  calls: string[] = [];
  async put(key: string, _record: string, rank: number): Promise<boolean> {
    this.call(`put:${key}@${rank}`);
    return true;
  }
  async publish(message: string): Promise<void> {
    this.call(`publish:${message}`);
  }
  async flushAll(): Promise<number> {
    this.call('flushAll');
    return 0;
  }
  private call(name: string): void {
    if (this.down) throw new Error('Redis unreachable');
    this.calls.push(name);
  }
}

describe('MissedWrites', () => {
  const telemetry = new CacheTelemetry();
  const logger = new Logger('test');
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => telemetry.stop());

  function missedWrites(invalidation = { on: true }) {
    const l2 = new ReplayL2();
    const store = l2 as unknown as L2Store;
    const invalidations = new InvalidationLog(store, telemetry, logger, { tombstoneTtlMs: 1 }, 1);
    const missed = new MissedWrites(store, invalidations, telemetry, logger, {
      invalidationEnabled: () => invalidation.on,
      breakerHalfOpenMs: 1000,
    });
    return { l2, missed };
  }
  const written = (version: number) => CacheEntries.afterWrite({ version });

  it('remembers only the newest version written to a key', async () => {
    const { l2, missed } = missedWrites();
    missed.remember('a', written(3));
    missed.remember('a', written(2));
    expect(missed.size).toBe(1);
    await missed.replay();
    expect(l2.calls).toEqual(['put:a@3', 'publish:3|a']);
  });

  it('leaves each record, then announces it, and forgets the write once replayed', async () => {
    const { l2, missed } = missedWrites();
    missed.remember('a', written(1));
    expect(missed.untrusted()).toBe(true);
    await missed.replay();
    expect(l2.calls).toEqual(['put:a@1', 'publish:1|a']);
    expect(missed.size).toBe(0);
    expect(missed.untrusted()).toBe(false);
  });

  it('keeps a write whose replay could not reach Redis, for the next replay', async () => {
    const { l2, missed } = missedWrites();
    missed.remember('a', written(1));
    l2.down = true;
    await missed.replay();
    expect(missed.size).toBe(1);
    l2.down = false;
    await missed.replay();
    expect(missed.size).toBe(0);
  });

  it('flushes L2, with `*` before and after, when writes were missed beyond count', async () => {
    const { l2, missed } = missedWrites();
    for (let i = 0; i <= 10_000; i++) missed.remember(`k${i}`, written(1));
    expect(missed.owed).toBe(10_001);
    await missed.replay();
    expect(l2.calls.slice(0, 3)).toEqual(['publish:*', 'flushAll', 'publish:*']);
    expect(missed.owed).toBe(0);
  });

  it('owes a flush when invalidation is switched back on after the naive mode', async () => {
    const invalidation = { on: false };
    const { l2, missed } = missedWrites(invalidation);
    invalidation.on = true;
    expect(missed.invalidationOn()).toBe(true);
    expect(missed.untrusted()).toBe(true);
    await missed.replay();
    expect(l2.calls).toEqual(['publish:*', 'flushAll', 'publish:*']);
    expect(missed.untrusted()).toBe(false);
  });
});
