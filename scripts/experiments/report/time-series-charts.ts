/**
 * The time-series charts of a report, in the order they appear: what the clients saw (latency,
 * throughput, errors, where the answers came from), then what serving it cost (CPU, event loop,
 * pools, GC, the machine). Each is one line per configuration and metric (report.ts draws them).
 */
import type { TimePoint } from '../run-report';

/** One chart of a metric over time, a line per configuration and metric. */
export type OverTime = (
  name: string,
  title: string,
  yLabel: string,
  metrics: ReadonlyArray<{
    label: string;
    pick: (p: TimePoint) => number | null;
    dashed?: boolean;
  }>,
  extra?: { yMax?: number; yFormat?: (v: number) => string },
) => string;

const percent = (v: number): string => `${Math.round(v * 100)}%`;
// Two significant digits: GC and steal shares sit well below 1%, and "0%" ticks say nothing.
const share = (v: number): string => `${Number((v * 100).toPrecision(2))}%`;
const cores = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const ms = (v: number): string => `${v} ms`;

/** What the clients saw and where the answers came from. */
export function trafficCharts(over: OverTime): string[] {
  return [
    over(
      'latency-over-time',
      'Latency over time (p99 solid, p50 dashed)',
      'latency (ms)',
      [
        { label: 'p99', pick: (p) => p.p99 },
        { label: 'p50', pick: (p) => p.p50, dashed: true },
      ],
      { yFormat: ms },
    ),
    over('throughput-over-time', 'Throughput over time', 'requests / s', [
      { label: 'req/s', pick: (p) => p.rps },
    ]),
    over('errors-over-time', 'Errors over time (non-2xx and transport errors)', 'errors / s', [
      { label: 'errors', pick: (p) => p.errors },
    ]),
    over(
      'cache-hit-ratio',
      'Cache hit ratio over time (L1 solid, L2 dashed)',
      'share of reads',
      [
        { label: 'L1', pick: (p) => p.l1HitRatio },
        { label: 'L2', pick: (p) => p.l2HitRatio, dashed: true },
      ],
      { yMax: 1, yFormat: percent },
    ),
    over(
      'replica-share',
      'Share of database reads served by replicas',
      'share of DB reads',
      [{ label: 'replicas', pick: (p) => p.replicaShare }],
      { yMax: 1, yFormat: percent },
    ),
    over('queue-depth', 'Queue depth over time', 'jobs waiting', [
      { label: 'waiting', pick: (p) => p.queueDepth },
    ]),
  ];
}

/** What serving it cost: CPU, the event loop, pools, and the machine under them. */
export function resourceCharts(over: OverTime): string[] {
  return [
    over(
      'cpu-over-time',
      'CPU over time (API processes solid, load generator dashed)',
      'cores busy',
      [
        { label: 'API', pick: (p) => p.apiCpuCores },
        { label: 'load generator', pick: (p) => p.loadGeneratorCpuCores ?? null, dashed: true },
      ],
      { yFormat: cores },
    ),
    over(
      'event-loop-delay',
      'Event-loop delay over time (worst API instance)',
      'delay (ms)',
      [{ label: 'delay', pick: (p) => p.eventLoopDelayMs }],
      { yFormat: ms },
    ),
    over(
      'pool-use',
      'Pool use over time (DB pool solid, queue workers dashed; past 100% work waits)',
      'share of the pool',
      [
        { label: 'DB pool', pick: (p) => p.dbPoolUse ?? null },
        { label: 'queue workers', pick: (p) => p.queueUse ?? null, dashed: true },
      ],
      { yFormat: share },
    ),
    over(
      'gc-and-steal',
      'Time paused in GC (busiest API instance, solid) and CPU stolen by the hypervisor (dashed)',
      'share of the time',
      [
        { label: 'GC', pick: (p) => p.gcPauseShare ?? null },
        { label: 'steal', pick: (p) => p.cpuSteal ?? null, dashed: true },
      ],
      { yFormat: share },
    ),
    over('run-queue', 'Tasks runnable on the machine (waiting for or on a core)', 'tasks', [
      { label: 'runnable', pick: (p) => p.runQueue ?? null },
    ]),
  ];
}
