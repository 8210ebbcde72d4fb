import { defaultJobOptions, retryAfterSeconds } from './job-queue';
import type { QueueOptions } from './queue.options';

const TEN_PER_SECOND = { rateMax: 10, rateDurationMs: 1000 };

function options(overrides: Partial<QueueOptions> = {}): QueueOptions {
  return {
    redisUrl: 'redis://127.0.0.1:6379',
    prefix: 'docscale:queue',
    queueName: 'documents',
    commandTimeoutMs: 1000,
    attempts: 5,
    backoffMs: 1000,
    backoffJitter: 0.5,
    keepCompletedMs: 86_400_000,
    keepFailedMs: 604_800_000,
    maxDepth: 10_000,
    rateMax: 100,
    rateDurationMs: 1000,
    ...overrides,
  };
}

describe('retryAfterSeconds', () => {
  it('asks for one second when one job too many waits at 10 jobs/s', () => {
    expect(retryAfterSeconds(1, TEN_PER_SECOND)).toBe(1);
  });

  it('rounds the drain time up to whole seconds: 95 excess jobs at 10/s is 10 s', () => {
    expect(retryAfterSeconds(95, TEN_PER_SECOND)).toBe(10);
  });

  it('is exact on a whole number of seconds: 100 excess jobs at 10/s is 10 s', () => {
    expect(retryAfterSeconds(100, TEN_PER_SECOND)).toBe(10);
    expect(retryAfterSeconds(101, TEN_PER_SECOND)).toBe(11);
  });

  it('never asks for less than one second', () => {
    expect(retryAfterSeconds(0, TEN_PER_SECOND)).toBe(1);
    expect(retryAfterSeconds(1, { rateMax: 1000, rateDurationMs: 1000 })).toBe(1);
  });

  it('never asks for more than a minute, however deep the backlog', () => {
    expect(retryAfterSeconds(601, TEN_PER_SECOND)).toBe(60);
    expect(retryAfterSeconds(1_000_000, TEN_PER_SECOND)).toBe(60);
  });

  it('handles rates that are not a whole number of jobs per second', () => {
    // 3 jobs per second: 10 jobs take 3.33 s.
    expect(retryAfterSeconds(10, { rateMax: 3, rateDurationMs: 1000 })).toBe(4);
    // 2 jobs per 3 s: 5 jobs take 7.5 s.
    expect(retryAfterSeconds(5, { rateMax: 2, rateDurationMs: 3000 })).toBe(8);
    // 7 jobs per 500 ms (14/s): 30 jobs take 2.14 s.
    expect(retryAfterSeconds(30, { rateMax: 7, rateDurationMs: 500 })).toBe(3);
  });
});

describe('defaultJobOptions', () => {
  it('gives every job the configured attempts', () => {
    expect(defaultJobOptions(options({ attempts: 7 })).attempts).toBe(7);
  });

  it('backs off exponentially from QUEUE_BACKOFF_MS, with the configured jitter', () => {
    expect(defaultJobOptions(options({ backoffMs: 250, backoffJitter: 0.3 })).backoff).toEqual({
      type: 'exponential',
      delay: 250,
      jitter: 0.3,
    });
  });

  it('keeps completed and failed jobs for their configured ages, in seconds', () => {
    const opts = defaultJobOptions(options({ keepCompletedMs: 86_400_000, keepFailedMs: 60_000 }));

    expect(opts.removeOnComplete).toEqual({ age: 86_400 });
    expect(opts.removeOnFail).toEqual({ age: 60 });
  });

  it('rounds the ages up to whole seconds, so a job is never removed earlier than configured', () => {
    const opts = defaultJobOptions(options({ keepCompletedMs: 1001, keepFailedMs: 1 }));

    expect(opts.removeOnComplete).toEqual({ age: 2 });
    expect(opts.removeOnFail).toEqual({ age: 1 });
  });
});
