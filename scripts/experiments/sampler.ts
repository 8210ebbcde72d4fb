/**
 * Once a second: every API instance's and the worker's /metrics, the API processes' CPU time
 * (/proc/<pid>/stat), the machine's run queue and CPU steal (/proc/stat) and Redis's CPU (INFO
 * cpu), folded with the load generator's last second (recorder.ts) into one TimePoint. Counters
 * only ever grow, so ratios are taken from deltas between two scrapes: a hit ratio describes that
 * second, not the run so far.
 */
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { coreTicks, cpuMicros, machineTicks } from './bench/process-stats';
import { Exposition } from './exposition';
import { LoadRecorder, tenths } from './recorder';
import type { TimePoint } from './run-report';
import type { Topology } from './topology';

interface Counters {
  l1: number;
  l2: number;
  db: number;
  primary: number;
  replica: number;
  cpuMicros: number;
  /** Core 0's busy and total clock ticks (/proc/stat); null where there is no /proc/stat. */
  core0: { busy: number; total: number } | null;
  /** This process's (the load generator's) user + system CPU time. */
  ownCpuMicros: number;
  /** Redis server CPU seconds (user + system) since it started; null when INFO failed. */
  redisCpuSeconds: number | null;
  /** Each API instance's GC pause time so far, in seconds; null where it was not exported. */
  gcPauseSeconds: (number | null)[];
  /** The machine's steal and total ticks, and the tasks runnable now; null without /proc/stat. */
  machine: { steal: number; total: number; running: number } | null;
  at: number;
}

const metricsOf = (url: string) =>
  fetch(`${url}/metrics`, { signal: AbortSignal.timeout(900) })
    .then((r) => r.text())
    .catch(() => '');

async function redisCpuSeconds(redis: Redis): Promise<number | null> {
  const info = await redis.info('cpu').catch(() => '');
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1]);
  const total = field('used_cpu_sys') + field('used_cpu_user');
  return Number.isFinite(total) ? total : null;
}

/** (in use + waiting) ÷ size of the fullest pool in one instance's exposition; null if none. */
function fullestPool(e: Exposition): number | null {
  const uses = e.labelValues('docscale_db_pool_max', 'db_pool').map((pool) => {
    const used = e.sum('docscale_db_pool_connections', { db_pool: pool, state: 'used' });
    const waiting = e.sum('docscale_db_pool_waiting', { db_pool: pool });
    return (used + waiting) / Math.max(1, e.sum('docscale_db_pool_max', { db_pool: pool }));
  });
  return uses.length ? Math.max(...uses) : null;
}

/** (running + waiting) ÷ slots, from the worker's view of the shared queue; null if unknown. */
function queueUse(worker: Exposition, slots: number): number | null {
  const count = (state: string) => worker.sum('docscale_queue_jobs', { queue_state: state });
  if (!worker.values('docscale_queue_jobs').length) return null;
  return (count('active') + count('waiting') + count('prioritized')) / slots;
}

async function scrape(topology: Topology, redis: Redis) {
  const [texts, workerText, redisCpu] = await Promise.all([
    Promise.all(topology.apis.map((a) => metricsOf(a.adminUrl))),
    metricsOf(topology.workerUrl),
    redisCpuSeconds(redis),
  ]);
  const expositions = texts.map((t) => new Exposition(t));
  const worker = new Exposition(workerText);
  const total = (name: string, labels: Record<string, string>) =>
    expositions.reduce((sum, e) => sum + e.sum(name, labels), 0);
  const max = (name: string) => {
    const all = expositions.flatMap((e) => e.values(name));
    return all.length ? Math.max(...all) : null;
  };
  const counters: Counters = {
    l1: total('docscale_cache_answers_total', { cache_level: 'l1' }),
    l2: total('docscale_cache_answers_total', { cache_level: 'l2' }),
    db: total('docscale_cache_answers_total', { cache_level: 'db' }),
    primary: total('docscale_db_reads_total', { db_read_target: 'primary' }),
    replica: total('docscale_db_reads_total', { db_read_target: 'replica' }),
    cpuMicros: topology.apis.reduce((sum, a) => sum + safeCpu(a.pid), 0),
    core0: safeCoreTicks(),
    ownCpuMicros: ownCpuMicros(),
    redisCpuSeconds: redisCpu,
    gcPauseSeconds: expositions.map((e) =>
      e.values('docscale_gc_pause_sum').length ? e.sum('docscale_gc_pause_sum') : null,
    ),
    machine: safeMachineTicks(),
    at: performance.now(),
  };
  const pools = expositions.map(fullestPool).filter((u): u is number => u !== null);
  // One queue shared by all instances: each reports the same depth, so the max, not the sum.
  return {
    counters,
    queueDepth: max('docscale_queue_depth'),
    loop: max('docscale_event_loop_delay_ms'),
    dbPoolUse: pools.length ? Math.max(...pools) : null,
    queueUse: queueUse(worker, topology.workerSlots),
  };
}

function ownCpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function safeCoreTicks(): { busy: number; total: number } | null {
  try {
    return coreTicks(0);
  } catch {
    return null;
  }
}

function safeMachineTicks(): Counters['machine'] {
  try {
    return machineTicks();
  } catch {
    return null;
  }
}

/** The busiest instance's share of the interval paused in GC; null when no instance exported it. */
function gcPauseShare(now: Counters, before: Counters, seconds: number): number | null {
  const shares = now.gcPauseSeconds.flatMap((pause, i) => {
    const earlier = before.gcPauseSeconds[i];
    return pause === null || earlier === null || earlier === undefined
      ? []
      : [Math.max(0, pause - earlier) / seconds]; // a restarted instance counts from 0 again
  });
  return shares.length ? Math.max(...shares) : null;
}

function safeCpu(pid: number): number {
  try {
    return cpuMicros(pid);
  } catch {
    return 0; // the process has exited: it uses no CPU
  }
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);

export class Sampler {
  readonly series: TimePoint[] = [];
  /** The answers' latencies in each second, parallel to `series` (for phases.ts). */
  readonly latencies: number[][] = [];
  private timer?: NodeJS.Timeout;
  private last?: Counters;
  private startedAt = 0;
  private pending: Promise<void> = Promise.resolve();
  // Its own connection, for INFO only: it never queues behind the app's commands.
  private readonly redis: Redis;

  constructor(
    private readonly topology: Topology,
    private readonly recorder: LoadRecorder,
    /** Called with each second's point as it is taken (the progress line). */
    private readonly onSample: (p: TimePoint) => void = () => undefined,
  ) {
    // Fails fast while Redis is down (redis-outage stops it): that second's Redis CPU is unknown.
    this.redis = new Redis(topology.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 200,
    });
    this.redis.on('error', () => undefined);
  }

  /** Seconds since start(), for events recorded beside the samples. */
  now(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  async start(): Promise<void> {
    if (this.redis.status !== 'ready') {
      await Promise.race([once(this.redis, 'ready'), delay(2000, undefined, { ref: false })]);
    }
    this.startedAt = performance.now();
    this.last = (await scrape(this.topology, this.redis)).counters;
    this.recorder.drain(1); // whatever a warm-up left is not part of this series
    this.timer = setInterval(() => (this.pending = this.pending.then(() => this.sample())), 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pending;
    this.redis.disconnect();
  }

  private async sample(): Promise<void> {
    const {
      counters: c,
      queueDepth,
      loop,
      dbPoolUse,
      queueUse,
    } = await scrape(this.topology, this.redis);
    const p = this.last!;
    const seconds = (c.at - p.at) / 1000;
    const { latencies, ...load } = this.recorder.drain(seconds);
    const answers = c.l1 + c.l2 + c.db - (p.l1 + p.l2 + p.db);
    const reads = c.primary + c.replica - (p.primary + p.replica);
    const point: TimePoint = {
      t: tenths(this.now()),
      ...load,
      l1HitRatio: share(c.l1 - p.l1, answers),
      l2HitRatio: share(c.l2 - p.l2, answers),
      replicaShare: share(c.replica - p.replica, reads),
      queueDepth,
      // Not below 0: a process replaced this second (rolling-restart) starts its CPU time anew.
      apiCpuCores: Math.max(0, (c.cpuMicros - p.cpuMicros) / 1e6 / seconds),
      apiCoreBusy:
        c.core0 && p.core0 && c.core0.total > p.core0.total
          ? (c.core0.busy - p.core0.busy) / (c.core0.total - p.core0.total)
          : null,
      loadGeneratorCpuCores: (c.ownCpuMicros - p.ownCpuMicros) / 1e6 / seconds,
      eventLoopDelayMs: loop,
      dbPoolUse,
      redisCpuCores:
        c.redisCpuSeconds !== null && p.redisCpuSeconds !== null
          ? (c.redisCpuSeconds - p.redisCpuSeconds) / seconds
          : null,
      queueUse,
      gcPauseShare: gcPauseShare(c, p, seconds),
      // The sampler is running while it reads /proc/stat: it is not waiting for anyone's core.
      runQueue: c.machine ? Math.max(0, c.machine.running - 1) : null,
      cpuSteal:
        c.machine && p.machine && c.machine.total > p.machine.total
          ? (c.machine.steal - p.machine.steal) / (c.machine.total - p.machine.total)
          : null,
    };
    this.series.push(point);
    this.latencies.push(latencies);
    this.onSample(point);
    this.last = c;
  }
}
