import { formatPhases, splitPhases } from './phases';
import type { TimePoint } from './run-report';

/** A second of a read-heavy run: cache on until the flip, then off. */
function point(t: number, cacheOn: boolean, over: Partial<TimePoint> = {}): TimePoint {
  return {
    t,
    rps: cacheOn ? 2000 : 1000,
    p50: 0,
    p95: 0,
    p99: 0,
    errors: 0,
    l1HitRatio: cacheOn ? 0.6 : 0,
    l2HitRatio: cacheOn ? 0.3 : 0,
    replicaShare: cacheOn ? 0.5 : 0.9,
    queueDepth: null,
    apiCpuCores: 0.8,
    eventLoopDelayMs: null,
    ...over,
  };
}

describe('splitPhases', () => {
  // Ten seconds; the flip lands at 4.3 s, so the fifth second (4..5) is mostly after it.
  const series = Array.from({ length: 10 }, (_, i) => point(i + 1, i + 1 <= 4));
  const latencies = series.map((p) =>
    Array.from({ length: 100 }, (_, k) => (p.l1HitRatio ? 1 : 10) + k / 100),
  );
  const events = [{ t: 4.3, label: 'CACHE_L1=off,CACHE_L2=off' }];

  it('cuts the run at each event, each phase labelled by the event that starts it', () => {
    const phases = splitPhases(series, events, latencies);
    expect(phases.map((p) => [p.label, p.from, p.to])).toEqual([
      ['start', 0, 4.3],
      ['CACHE_L1=off,CACHE_L2=off', 4.3, 10],
    ]);
  });

  it("computes each phase's figures from its own seconds", () => {
    const [before, after] = splitPhases(series, events, latencies);
    expect(before).toMatchObject({
      requests: 8000,
      rps: 2000,
      errors: 0,
      cpuMicrosPerRequest: 400, // 0.8 cores × 4 s ÷ 8000 requests
      l1HitRatio: 0.6,
      l2HitRatio: 0.3,
      replicaShare: 0.5,
    });
    expect(before.p50).toBeCloseTo(1.49);
    expect(before.p99).toBeCloseTo(1.98);
    expect(after).toMatchObject({
      requests: 6000,
      rps: 1000,
      cpuMicrosPerRequest: 800,
      l1HitRatio: 0,
      replicaShare: 0.9,
    });
    expect(after.p50).toBeCloseTo(10.49);
  });

  it('weights ratios by requests, skips seconds that do not know them, and counts errors', () => {
    const mixed = [
      point(1, true, { rps: 3000, l1HitRatio: 1, errors: 2 }),
      point(2, true, { rps: 1000, l1HitRatio: 0, l2HitRatio: null, errors: 1 }),
      point(3, true, { l2HitRatio: null, replicaShare: null }),
    ];
    const [only] = splitPhases(mixed, [], [[], [], []]);
    expect(only.l1HitRatio).toBeCloseTo((3000 * 1 + 0 + 2000 * 0.6) / 6000);
    expect(only.l2HitRatio).toBe(0.3);
    expect(only.errors).toBe(3);
    expect(only.p99).toBe(0); // no latencies recorded
  });

  it('gives a phase with no seconds zero figures and unknown ratios', () => {
    const phases = splitPhases(series.slice(0, 2), [{ t: 5, label: 'stop redis' }], latencies);
    expect(phases[1]).toMatchObject({
      label: 'stop redis',
      requests: 0,
      rps: 0,
      cpuMicrosPerRequest: null,
      l1HitRatio: null,
    });
  });
});

describe('formatPhases', () => {
  it('prints a line per phase of each configuration, and nothing without phases', () => {
    const phases = splitPhases(
      Array.from({ length: 4 }, (_, i) => point(i + 1, i < 2)),
      [{ t: 2, label: 'CACHE_L1=off' }],
      [[5], [5], [9], [9]],
    );
    const table = formatPhases([{ name: 'defaults', phases }, { name: 'other' }]).split('\n');
    expect(table).toHaveLength(3);
    expect(table[0]).toMatch(/^phase \(from\)\s+req\/s\s+p50 ms\s+p99 ms\s+errors\s+CPU µs\/req/);
    expect(table[1]).toMatch(
      /^defaults: start \(0 s\)\s+2000\s+5\.0\s+5\.0\s+0\s+400\s+60%\s+30%\s+50%$/,
    );
    expect(table[2]).toMatch(/^defaults: CACHE_L1=off \(2 s\)\s+1000\s+9\.0\s+9\.0\s+0\s+800\s+0%/);
    expect(formatPhases([{ name: 'defaults' }])).toBe('');
  });
});
