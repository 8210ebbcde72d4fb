import { Logger } from '@nestjs/common';
import { CacheTelemetry } from './cache-telemetry';
import { InvalidationLog } from './invalidation-log';
import { L2Store } from './l2-store';

describe('InvalidationLog', () => {
  const telemetry = new CacheTelemetry();
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => telemetry.stop());

  // Only leaveRecord and publishFlush reach L2; the facade's spec covers them with a fake L2.
  const log = (fillDeadlineMs = 60_000) =>
    new InvalidationLog(
      {} as L2Store,
      telemetry,
      new Logger('test'),
      { tombstoneTtlMs: 1 },
      fillDeadlineMs,
    );

  it('refuses a fill of a key invalidated since the read began, and only of that key', () => {
    const invalidations = log();
    const start = invalidations.readStart();
    invalidations.invalidated('a', 2);
    expect(invalidations.invalidatedSince('a', start.seq, 2)).toBe(true);
    expect(invalidations.invalidatedSince('b', start.seq, 2)).toBe(false);
  });

  it("keeps the highest version named when two writers' messages arrive out of order", () => {
    const invalidations = log();
    invalidations.invalidated('a', 5);
    invalidations.invalidated('a', 3);
    const start = invalidations.readStart();
    expect(invalidations.invalidatedSince('a', start.seq, 4)).toBe(true);
    expect(invalidations.invalidatedSince('a', start.seq, 5)).toBe(false);
  });

  it('refuses every read begun before the floor was raised, and none begun after', () => {
    const invalidations = log();
    const before = invalidations.readStart();
    invalidations.raiseFloor();
    expect(invalidations.fillable(before)).toBe(false);
    expect(invalidations.fillable(invalidations.readStart())).toBe(true);
  });

  it('refuses a read older than the fill deadline', () => {
    const invalidations = log(50);
    const start = invalidations.readStart();
    expect(invalidations.fillable({ ...start, atMs: start.atMs - 50 })).toBe(false);
  });

  it('raises the floor when a key is pushed out of the log by size', () => {
    const invalidations = log();
    const start = invalidations.readStart();
    invalidations.invalidated('first', 1);
    const afterFirst = invalidations.readStart();
    for (let i = 0; i < 100_000; i++) invalidations.invalidated(`k${i}`, 1);
    // 'first' is forgotten, so the floor stands where its invalidation was: reads from before refused.
    expect(invalidations.invalidatedSince('first', start.seq, 1)).toBe(false);
    expect(invalidations.fillable(start)).toBe(false);
    expect(invalidations.fillable(afterFirst)).toBe(true);
  });

  it('reads a key and the version it names from a message, and `*` as everything', () => {
    const invalidations = log();
    const evicted: [string, number][] = [];
    const dropped: string[] = [];
    const { onInvalidation } = invalidations.listeners({
      evict: (key, rank) => evicted.push([key, rank]),
      drop: (reason) => dropped.push(reason),
    });
    onInvalidation('7|tenant|a|b');
    onInvalidation('*');
    expect(evicted).toEqual([['tenant|a|b', 7]]);
    expect(dropped).toEqual(['flush']);
    expect(invalidations.received).toBe(2);
  });

  it('drops everything local when the subscription drops and when it is back', () => {
    const invalidations = log();
    const dropped: string[] = [];
    const listeners = invalidations.listeners({
      evict: () => undefined,
      drop: (r) => dropped.push(r),
    });
    listeners.onSubscriptionLost();
    listeners.onSubscribed();
    expect(dropped).toEqual(['subscription-lost', 'subscribed']);
  });
});
