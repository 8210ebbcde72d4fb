import type { CapacityStep } from './capacity';
import { climb, toStep } from './capacity-run';
import type { ConfigurationResult, TimePoint } from './run-report';

const OPTIONS = {
  sloP99Ms: 50,
  startRps: 100,
  factor: 1.5,
  maxSteps: 5,
  apiCores: 1,
  eventLoopLimitMs: 200,
  machineCores: 2,
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
      'cpu-steal',
      'db-pool',
      'event-loop',
      'gc-pause',
      'load-generator',
      'queue-drain',
      'redis',
      'run-queue',
    ]);
    expect(step.resources['db-pool']).toBe(0);
  });

  it('measures GC pauses, the run queue per core and CPU steal as resources', () => {
    const step = toStep(
      100,
      result([
        sample(0, { gcPauseShare: 0.5, runQueue: 9, cpuSteal: 0.5 }),
        sample(1, { gcPauseShare: 0.02, runQueue: 1, cpuSteal: 0.01 }),
        sample(2, { gcPauseShare: 0.04, runQueue: 2, cpuSteal: null }),
      ]),
      OPTIONS,
    );
    expect(step.resources['gc-pause']).toBeCloseTo(0.03);
    expect(step.resources['run-queue']).toBeCloseTo(0.75); // 1.5 runnable on 2 cores
    expect(step.resources['cpu-steal']).toBeCloseTo(0.01); // the unknown second left out
  });

  it('reports the API CPU time per answered request', () => {
    const series = [1, 2, 3].map((t) => sample(t, { rps: 400, apiCpuCores: 0.1 }));
    expect(toStep(400, result(series), OPTIONS).cpuMicrosPerRequest).toBeCloseTo(250);
  });
});

describe('climb: the stepped load', () => {
  const CLIMB = { sloP99Ms: 50, startRps: 100, factor: 2, maxSteps: 4 };
  const step = (offeredRps: number, p99Ms: number): CapacityStep => ({
    offeredRps,
    achievedRps: offeredRps,
    p50Ms: 1,
    p99Ms,
    errorRatio: 0,
    resources: {},
  });

  /** Measures from a script of p99s, one per attempt, and records what was asked. */
  function scripted(p99s: number[]) {
    const asked: string[] = [];
    const measure = (rate: number, repeat: boolean) => {
      asked.push(`${rate}${repeat ? ' repeat' : ''}`);
      return Promise.resolve(step(rate, p99s[asked.length - 1]));
    };
    return { asked, measure };
  }

  it('holds a rate that missed the SLO once more, and goes on when the repeat passes', async () => {
    const { asked, measure } = scripted([10, 90, 20, 30, 40]);
    const steps = await climb(CLIMB, measure, () => undefined);
    expect(asked).toEqual(['100', '200', '200 repeat', '400', '800']);
    expect(steps.map((s) => s.p99Ms)).toEqual([10, 90, 20, 30, 40]);
  });

  it('stops at a rate that misses the SLO twice', async () => {
    const { asked, measure } = scripted([10, 90, 95, 30]);
    const lines: string[] = [];
    await climb(CLIMB, measure, (line) => lines.push(line));
    expect(asked).toEqual(['100', '200', '200 repeat']);
    expect(lines).toContain('step 2 missed the SLO: holding 200 req/s once more before it counts');
  });
});
