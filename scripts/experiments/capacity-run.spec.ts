import { toStep } from './capacity-run';
import type { ConfigurationResult, TimePoint } from './run-report';

const OPTIONS = {
  sloP99Ms: 50,
  startRps: 100,
  factor: 1.5,
  maxSteps: 5,
  apiCores: 1,
  eventLoopLimitMs: 200,
};

function sample(t: number, over: Partial<TimePoint>): TimePoint {
  return {
    t,
    rps: 400,
    p50: 2,
    p95: 5,
    p99: 9,
    errors: 0,
    l1HitRatio: null,
    l2HitRatio: null,
    replicaShare: null,
    queueDepth: null,
    apiCpuCores: 0.5,
    eventLoopDelayMs: 20,
    ...over,
  };
}

function result(series: TimePoint[]): ConfigurationResult {
  return {
    name: '400 req/s offered',
    toggles: {},
    summary: { requests: 4000, rps: 400, p50: 2, p95: 5, p99: 9, errors: 40, statuses: {} },
    series,
    events: [],
  };
}

describe('toStep: one capacity step from a measured configuration', () => {
  it('normalises every resource to its own limit, leaving out the ramp-up second', () => {
    const step = toStep(
      400,
      result(
        [
          sample(0, { apiCpuCores: 1, eventLoopDelayMs: 190, dbPoolUse: 1, redisCpuCores: 1 }),
          sample(1, { apiCpuCores: 0.6, eventLoopDelayMs: 40, dbPoolUse: 0.5, redisCpuCores: 0.1 }),
          sample(2, { apiCpuCores: 0.8, eventLoopDelayMs: 60, dbPoolUse: 1.5, redisCpuCores: 0.3 }),
        ].map((p, t) => ({
          ...p,
          loadGeneratorCpuCores: [1, 0.9, 0.7][t],
          apiCoreBusy: [1, 0.95, 0.85][t],
        })),
      ),
      OPTIONS,
    );
    expect(step).toMatchObject({ offeredRps: 400, achievedRps: 400, p99Ms: 9, errorRatio: 0.01 });
    expect(step.resources['api-cpu']).toBeCloseTo(0.7);
    expect(step.resources['event-loop']).toBeCloseTo(0.3); // the worst second, 60 of 200 ms
    expect(step.resources['db-pool']).toBeCloseTo(1); // queries queued half the time
    expect(step.resources.redis).toBeCloseTo(0.2);
    expect(step.resources['load-generator']).toBeCloseTo(0.8);
    expect(step.resources['api-core']).toBeCloseTo(0.9); // pinned to one core
  });

  it('reads the queue as its workers busy, past 1 when jobs wait for a slot', () => {
    const queue = (uses: (number | null)[]) =>
      toStep(100, result(uses.map((queueUse, t) => sample(t, { queueUse }))), OPTIONS).resources[
        'queue-drain'
      ];
    expect(queue([null, null, null])).toBe(0); // never scraped: counted as unused
    expect(queue([3, 0, 0.5])).toBeCloseTo(0.25); // the ramp-up second left out
    expect(queue([0, 2, 3])).toBeCloseTo(2.5); // a backlog waits for the workers
  });

  it('counts a resource that was never measured as unused, so every step names the same ones', () => {
    const step = toStep(100, result([sample(0, {}), sample(1, {}), sample(2, {})]), OPTIONS);
    expect(Object.keys(step.resources).sort()).toEqual([
      'api-core',
      'api-cpu',
      'db-pool',
      'event-loop',
      'load-generator',
      'queue-drain',
      'redis',
    ]);
    expect(step.resources['db-pool']).toBe(0);
  });
});
