/**
 * Once a second: every API instance's /metrics and CPU time (/proc/<pid>/stat), folded with the
 * load generator's last second (recorder.ts) into one TimePoint. Counters only ever grow, so
 * ratios are taken from deltas between two scrapes: a hit ratio describes that second, not the
 * run so far.
 */
import { cpuMicros } from '../bench/process-stats';
import { Exposition } from './exposition';
import { LoadRecorder } from './recorder';
import type { TimePoint } from './run-report';
import type { Topology } from './topology';

interface Counters {
  l1: number;
  l2: number;
  db: number;
  primary: number;
  replica: number;
  cpuMicros: number;
  at: number;
}

async function scrape(topology: Topology) {
  const texts = await Promise.all(
    topology.apis.map((a) =>
      fetch(`${a.url}/metrics`, { signal: AbortSignal.timeout(900) })
        .then((r) => r.text())
        .catch(() => ''),
    ),
  );
  const expositions = texts.map((t) => new Exposition(t));
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
    at: performance.now(),
  };
  // One queue shared by all instances: each reports the same depth, so the max, not the sum.
  return {
    counters,
    queueDepth: max('docscale_queue_depth'),
    loop: max('docscale_event_loop_delay_ms'),
  };
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
  private timer?: NodeJS.Timeout;
  private last?: Counters;
  private startedAt = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly topology: Topology,
    private readonly recorder: LoadRecorder,
  ) {}

  /** Seconds since start(), for events recorded beside the samples. */
  now(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  async start(): Promise<void> {
    this.startedAt = performance.now();
    this.last = (await scrape(this.topology)).counters;
    this.recorder.drain(1); // whatever a warm-up left is not part of this series
    this.timer = setInterval(() => (this.pending = this.pending.then(() => this.sample())), 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pending;
  }

  private async sample(): Promise<void> {
    const { counters: c, queueDepth, loop } = await scrape(this.topology);
    const p = this.last!;
    const seconds = (c.at - p.at) / 1000;
    const load = this.recorder.drain(seconds);
    const answers = c.l1 + c.l2 + c.db - (p.l1 + p.l2 + p.db);
    const reads = c.primary + c.replica - (p.primary + p.replica);
    this.series.push({
      t: Math.round(this.now() * 10) / 10,
      ...load,
      l1HitRatio: share(c.l1 - p.l1, answers),
      l2HitRatio: share(c.l2 - p.l2, answers),
      replicaShare: share(c.replica - p.replica, reads),
      queueDepth,
      apiCpuCores: (c.cpuMicros - p.cpuMicros) / 1e6 / seconds,
      eventLoopDelayMs: loop,
    });
    this.last = c;
  }
}
