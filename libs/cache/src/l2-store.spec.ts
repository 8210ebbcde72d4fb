import { pollUntil } from '../../../test/helpers/poll';
import { RedisL2 } from './l2-store';

// No Redis, not even a socket: a RedisL2 stopped before it connected fails every command at once
// ("Connection is closed"), which opens its breaker. What is under test is when it says L2 may be
// tried again.
describe('RedisL2 availability', () => {
  async function unreachable(halfOpenAfterMs: number): Promise<RedisL2> {
    const l2 = new RedisL2({
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'test:l2',
      timeoutMs: 100,
      breakerThreshold: 1,
      halfOpenAfterMs,
    });
    await l2.stop();
    return l2;
  }

  it('is available until commands fail, then unavailable while the breaker is open', async () => {
    const l2 = await unreachable(60_000);
    expect(l2.available).toBe(true);

    await expect(l2.get('k')).rejects.toThrow();

    expect(l2.available).toBe(false);
  });

  it('is available again once a probe is due, so a cache that only reads finds Redis back', async () => {
    const halfOpenAfterMs = 50;
    const l2 = await unreachable(halfOpenAfterMs);
    const beforeOpening = Date.now();
    await expect(l2.get('k')).rejects.toThrow();

    await pollUntil(() => l2.available, { timeoutMs: 2_000, intervalMs: 5, what: 'a probe' });

    expect(Date.now() - beforeOpening).toBeGreaterThanOrEqual(halfOpenAfterMs);
  });

  it('is unavailable again after the probe fails', async () => {
    const l2 = await unreachable(300);
    await expect(l2.get('k')).rejects.toThrow();
    await pollUntil(() => l2.available, { timeoutMs: 2_000, intervalMs: 5, what: 'a probe' });

    await expect(l2.get('k')).rejects.toThrow();

    expect(l2.available).toBe(false);
  });
});
