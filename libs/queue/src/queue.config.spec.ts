import { z } from 'zod';
import type { JobProcessor } from './job-processor';
import { queueConfig, queueOptionsFrom } from './queue.config';

const parse = (env: Record<string, string>) => z.object(queueConfig.shape).parse(env);
const wiring = { redisUrl: 'redis://shared:6379', commandTimeoutMs: 1000, queueName: 'q' };

describe('queueOptionsFrom', () => {
  it("uses the shared Redis unless QUEUE_REDIS_URL names the queue's own", () => {
    const role = { relay: true } as const;
    expect(queueOptionsFrom(parse({}), { ...wiring, role }).redisUrl).toBe('redis://shared:6379');
    const own = parse({ QUEUE_REDIS_URL: 'redis://queue:6379' });
    expect(queueOptionsFrom(own, { ...wiring, role }).redisUrl).toBe('redis://queue:6379');
  });

  it('relays in the API role unless OUTBOX_RELAY is off, and never runs processors there', () => {
    const api = queueOptionsFrom(parse({}), { ...wiring, role: { relay: true } });
    expect(api.relay).toEqual({ batchSize: 100, pollMs: 1000, retentionMs: 3_600_000 });
    expect(api.worker).toBeUndefined();
    const off = queueOptionsFrom(parse({ OUTBOX_RELAY: 'off' }), {
      ...wiring,
      role: { relay: true },
    });
    expect(off.relay).toBeUndefined();
  });

  it('runs the processors in the worker role, with the configured concurrency, and does not relay', () => {
    const processors: JobProcessor[] = [];
    const worker = queueOptionsFrom(parse({ QUEUE_CONCURRENCY: '7' }), {
      ...wiring,
      role: { processors },
    });
    expect(worker.worker).toMatchObject({ processors, concurrency: 7 });
    expect(worker.relay).toBeUndefined();
  });

  it('refuses to keep completed jobs for less than 60 outbox polls', () => {
    const issues = queueConfig.check!(
      parse({ OUTBOX_POLL_MS: '2000', QUEUE_KEEP_COMPLETED_MS: '60000' }),
      {
        production: false,
      },
    );
    expect(issues.filter(Boolean)).toEqual([
      expect.objectContaining({ key: 'QUEUE_KEEP_COMPLETED_MS' }),
    ]);
  });
});
