/**
 * The `capacity` scenario: Zipf reads at a rising offered rate (paced-load.ts), one step at a time, until a step's p99 breaks the SLO or the step limit is reached. Each step is
 * turned into a CapacityStep, with the resources it used normalised to their own limits, and
 * capacity.ts finds the knee and the binding constraint (and, given a current rate and growth, the
 * doomsday clock). Measured here, each as a share of its own limit:
 * - `api-cpu`: busy cores ÷ cores the API processes may use;
 * - `api-core`: the share of the API's core busy with anything (pinned runs only: the worker,
 *   Postgres, Redis and nginx are not pinned and take their share of it too);
 * - `event-loop`: worst delay ÷ the load-shedding bound (LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS);
 * - `db-pool`: (connections in use + queries waiting) ÷ pool size, fullest pool, mean over the
 *   step: past 1, queries queue for a connection before Postgres sees them;
 * - `redis`: Redis server CPU ÷ the one core its command thread can use;
 * - `queue-drain`: (jobs running + jobs waiting) ÷ the workers' slots, mean over the step: past 1,
 *   jobs wait for a worker (near 0 under the read-only capacity load);
 * - `load-generator`: this process's CPU ÷ its one core. Not the service's: when it is the binding
 *   constraint, the harness, not docscale, ran out, and the knee says nothing about the service;
 * - `gc-pause`: share of the time the busiest API instance was paused in GC (its
 *   `docscale_gc_pause` histogram), mean over the step;
 * - `run-queue`: tasks runnable on the machine (/proc/stat `procs_running`, the sampler left out)
 *   ÷ its cores, mean over the step: past 1, something always waits for a core;
 * - `cpu-steal`: share of the machine's CPU time a hypervisor gave to other guests.
 * The last three are the evidence when the SLO breaks with nothing near saturation (capacity.ts).
 * A step that misses the SLO is held once more at the same rate (`climb`): the repeat decides.
 */
import { cpus } from 'node:os';
import { analyzeCapacity, CapacityProfile, CapacityStep, isSustainable } from './capacity';
import { cpuMicrosPerRequest } from './phases';
import type { ConfigurationResult } from './run-report';
import { runConfiguration, RunOptions } from './runner';
import { pacedLoad } from './paced-load';
import type { Scenario } from './scenario-context';

export interface CapacityRunOptions {
  sloP99Ms: number;
  startRps: number;
  /** Each step offers this many times the previous one's rate. */
  factor: number;
  maxSteps: number;
  /** The API processes' CPU limit, in cores (1 when pinned to core 0). */
  apiCores: number;
  /** LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: past it the API sheds load, so it is the loop's limit. */
  eventLoopLimitMs: number;
  /** The machine's cores, the run queue's limit. */
  machineCores: number;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : 0);

export function toStep(
  offeredRps: number,
  r: ConfigurationResult,
  o: CapacityRunOptions,
): CapacityStep {
  // The first second holds the ramp-up (connections opening): it would flatter every step.
  const steady = r.series.length > 2 ? r.series.slice(1) : r.series;
  const loop = steady.map((s) => s.eventLoopDelayMs ?? 0);
  const known = (pick: (p: (typeof steady)[number]) => number | null | undefined) =>
    steady.map(pick).filter((v): v is number => typeof v === 'number');
  return {
    offeredRps,
    achievedRps: r.summary.rps,
    p50Ms: r.summary.p50,
    p99Ms: r.summary.p99,
    errorRatio: r.summary.requests ? r.summary.errors / r.summary.requests : 0,
    cpuMicrosPerRequest: cpuMicrosPerRequest(r.series),
    resources: {
      'api-cpu': mean(steady.map((s) => s.apiCpuCores)) / o.apiCores,
      ...(o.apiCores === 1 ? { 'api-core': mean(known((p) => p.apiCoreBusy)) } : {}),
      'event-loop': (loop.length ? Math.max(...loop) : 0) / o.eventLoopLimitMs,
      'db-pool': mean(known((p) => p.dbPoolUse)),
      redis: mean(known((p) => p.redisCpuCores)),
      'queue-drain': mean(known((p) => p.queueUse)),
      'load-generator': mean(known((p) => p.loadGeneratorCpuCores)),
      'gc-pause': mean(known((p) => p.gcPauseShare)),
      'run-queue': mean(known((p) => p.runQueue)) / o.machineCores,
      'cpu-steal': mean(known((p) => p.cpuSteal)),
    },
  };
}

export async function runCapacity(
  run: RunOptions,
  o: CapacityRunOptions,
  log: (line: string) => void,
): Promise<{ results: ConfigurationResult[]; steps: CapacityStep[]; profile: CapacityProfile }> {
  const results: ConfigurationResult[] = [];
  const steps = await climb(
    o,
    async (rate, repeat) => {
      const name = `${rate} req/s offered${repeat ? ' (repeat)' : ''}`;
      const result = await runConfiguration({ ...run, scenario: pacedReads(rate) }, name, {});
      results.push(result);
      return toStep(rate, result, o);
    },
    log,
  );
  return { results, steps, profile: analyzeCapacity(steps, { sloP99Ms: o.sloP99Ms }) };
}

/**
 * Steps the offered rate up from `startRps` by `factor` until a rate misses the SLO twice running
 * or `maxSteps` rates were held. A miss is held once more before it counts: one GC pause or noisy
 * neighbour must not decide the knee (capacity.ts reads the repeat as deciding the rate).
 */
export async function climb(
  o: Pick<CapacityRunOptions, 'sloP99Ms' | 'startRps' | 'factor' | 'maxSteps'>,
  measure: (rate: number, repeat: boolean) => Promise<CapacityStep>,
  log: (line: string) => void,
): Promise<CapacityStep[]> {
  const steps: CapacityStep[] = [];
  const hold = async (rate: number, repeat: boolean, label: string) => {
    const step = await measure(rate, repeat);
    steps.push(step);
    log(`${label}: ${describeStep(step)}`);
    return isSustainable(step, { sloP99Ms: o.sloP99Ms });
  };
  let offered = o.startRps;
  for (let i = 0; i < o.maxSteps; i++) {
    const rate = Math.round(offered);
    if (!(await hold(rate, false, `step ${i + 1}`))) {
      log(`step ${i + 1} missed the SLO: holding ${rate} req/s once more before it counts`);
      if (!(await hold(rate, true, `step ${i + 1} repeated`))) break;
    }
    offered *= o.factor;
  }
  return steps;
}

function describeStep(step: CapacityStep): string {
  return (
    `offered ${step.offeredRps}, achieved ${Math.round(step.achievedRps)} req/s, ` +
    `p99 ${step.p99Ms.toFixed(1)} ms, ` +
    Object.entries(step.resources)
      .map(([name, use]) => `${name} ${(use * 100).toFixed(0)}%`)
      .join(', ')
  );
}

/** Zipf reads at `rate` req/s through the balancer. */
function pacedReads(rate: number): Scenario {
  return async (ctx) => {
    const { url, key } = ctx.topology;
    const { skipped } = await pacedLoad({
      rate,
      seconds: ctx.seconds,
      next: () => `${url}/v1/documents/${ctx.zipf.next()}`,
      headers: { authorization: `Bearer ${key}` },
      recorder: ctx.recorder,
    });
    if (skipped) ctx.extra.skipped = skipped;
  };
}

/** Cores the API processes may use: one when pinned to core 0, else the whole machine. */
export function apiCores(pinned: boolean): number {
  return pinned ? 1 : cpus().length;
}
