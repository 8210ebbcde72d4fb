/**
 * What one experiment run produces: the raw data a report (JSON + HTML) is made of. The runner
 * fills it; the report renderer and the capacity model only read it.
 */
import type { CapacityProfile } from './capacity';
import type { DoomsdayResult } from './doomsday';

/** One sample of the load generator and the app's metrics, taken every second of a run. */
export interface TimePoint {
  /** Seconds since the configuration's run started. */
  t: number;
  /** Requests answered in the last second (all statuses). */
  rps: number;
  /** Latency percentiles of the requests answered in the last second, in ms. */
  p50: number;
  p95: number;
  p99: number;
  /** Non-2xx answers and transport errors in the last second. */
  errors: number;
  /** From /metrics, summed over instances: share of reads answered by L1, L2 (0..1; null when unknown). */
  l1HitRatio: number | null;
  l2HitRatio: number | null;
  /** Share of database reads served by replicas (0..1; null when there were none). */
  replicaShare: number | null;
  /** Jobs waiting in the queue (null when unknown). */
  queueDepth: number | null;
  /** API processes' CPU, in cores (1 = one core busy), summed over instances. */
  apiCpuCores: number;
  /** Worst event-loop delay reported by an API instance, in ms (null when unknown). */
  eventLoopDelayMs: number | null;
  /**
   * The busiest database pool of any API instance: (connections in use + queries waiting) ÷ pool
   * size, as last scraped; above 1 means queries queue for a connection (null when unknown).
   */
  dbPoolUse?: number | null;
  /**
   * Share of the API's core (core 0 when pinned) busy with anything, 0..1: the API processes, and
   * whatever else the scheduler put there (the worker, Postgres, Redis, nginx).
   */
  apiCoreBusy?: number | null;
  /** The load generator's own CPU in cores (this process; it has one core to itself when pinned). */
  loadGeneratorCpuCores?: number;
  /** Redis server CPU in cores (Redis runs commands on one thread; null when unknown). */
  redisCpuCores?: number | null;
  /**
   * The queue against its workers: (jobs running + jobs waiting) ÷ the workers' slots (worker
   * processes × QUEUE_CONCURRENCY), as last scraped; above 1, jobs wait for a slot (null when
   * unknown).
   */
  queueUse?: number | null;
  /**
   * Share of the second the busiest API instance spent paused in garbage collection, 0..1, from
   * its `docscale_gc_pause` histogram (null when unknown: telemetry off, or an older build).
   */
  gcPauseShare?: number | null;
  /**
   * Tasks runnable on the machine when sampled (/proc/stat `procs_running`, the sampler itself
   * left out): more than the cores means tasks wait for one (null where there is no /proc/stat).
   */
  runQueue?: number | null;
  /** Share of the machine's CPU time a hypervisor gave to other guests, 0..1 (null when unknown). */
  cpuSteal?: number | null;
}

/** Something done to the system during a run, drawn as a marked line on the time series. */
export interface RunEvent {
  t: number;
  /** e.g. `CACHE_L1=off`, `stop redis`, `start redis`. */
  label: string;
}

/** Part of a run between two events (or the run's start or end), with its own figures. */
export interface Phase {
  /** The event that starts it (`CACHE_L1=off`, `stop redis`), or `start` for the first. */
  label: string;
  /** Seconds since the configuration started. */
  from: number;
  to: number;
  requests: number;
  rps: number;
  /** Latency percentiles of the phase's answers, in ms. */
  p50: number;
  p99: number;
  errors: number;
  /** API processes' CPU time per request, in µs (null when there were no requests). */
  cpuMicrosPerRequest: number | null;
  /** Request-weighted means of the per-second ratios (null when never known). */
  l1HitRatio: number | null;
  l2HitRatio: number | null;
  replicaShare: number | null;
}

/** One configuration (a toggle set) within a run, with its summary and time series. */
export interface ConfigurationResult {
  /** e.g. `defaults`, `CACHE_L1=off`. */
  name: string;
  toggles: Record<string, string>;
  summary: {
    requests: number;
    rps: number;
    p50: number;
    p95: number;
    p99: number;
    errors: number;
    /** Count of answers by status code (`0` for transport errors). */
    statuses: Record<string, number>;
  };
  series: TimePoint[];
  events: RunEvent[];
  /** Set when the run had events (flips, faults): its figures cut at each one (phases.ts). */
  phases?: Phase[];
  /** Scenario-specific figures, e.g. `{ staleReads: 0, pairs: 1000 }` for read-after-write. */
  extra?: Record<string, number | string>;
  /** The scenario's promises, each judged against this configuration's figures (expectations.ts). */
  expectations?: Expectation[];
}

/** What a scenario promises, and whether this run kept it: printed PASS/FAIL at the end. */
export interface Expectation {
  /** e.g. `writes refused fast while the primary is stopped`. */
  name: string;
  /** The bound, in words: `503 + Retry-After, p99 ≤ 250 ms`. */
  expected: string;
  /** The figures measured: `412 × 503, all with Retry-After, p99 3.1 ms`. */
  actual: string;
  pass: boolean;
}

export interface RunReport {
  scenario: string;
  startedAt: string;
  /** Machine facts: cores, node version, pinned or not. */
  host: Record<string, string | number | boolean>;
  durationSeconds: number;
  configurations: ConfigurationResult[];
  /** Set by the `capacity` scenario (scripts/experiments/capacity.ts). */
  capacity?: CapacityReport;
}

/**
 * The capacity profile and, given a current rate and growth, the doomsday clock. Read back from
 * report.json, Infinity is null (JSON has no Infinity) and a date is an ISO string.
 */
export interface CapacityReport {
  profile: CapacityProfile;
  doomsday?: DoomsdayResult;
}
