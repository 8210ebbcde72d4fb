/**
 * Recorded-looking runs for report tests. A compare run: two configurations × 20 one-second
 * samples, a Redis outage (L2 ratio unknown while Redis is down), a lone replica-share sample
 * between gaps, and a configuration name carrying markup, because names come from the command
 * line. A flip run and a plain run: one configuration each, with and without phases.
 */
import { splitPhases } from '../phases';
import type { ConfigurationResult, RunEvent, RunReport, TimePoint } from '../run-report';

export const HOSTILE_NAME = 'CACHE_L1=off <script>document.title="pwned"</script>';

function point(t: number, cacheOn: boolean): TimePoint {
  const redisDown = t >= 8 && t < 14;
  const wobble = Math.sin(t) * 0.03;
  const base = cacheOn ? 2 : 6;
  return {
    t,
    rps: Math.round((cacheOn ? 4200 : 1500) * (redisDown ? 0.8 : 1) * (1 + wobble)),
    p50: base + wobble * 10,
    p95: base * 3,
    p99: base * (redisDown ? 9 : 5),
    errors: redisDown && t === 8 ? 3 : 0,
    l1HitRatio: cacheOn ? 0.6 + wobble : 0,
    l2HitRatio: redisDown ? null : cacheOn ? 0.3 : 0.85,
    // t=4 is a lone sample between two gaps: it must still be drawn (as a dot).
    replicaShare: t === 3 || t === 5 ? null : (cacheOn ? 0.5 : 0.7) + wobble,
    queueDepth: cacheOn ? Math.max(0, 40 - t * 2) : null,
    apiCpuCores: cacheOn ? 1.4 : 2.8,
    eventLoopDelayMs: t === 0 ? null : 12 + t,
    loadGeneratorCpuCores: 0.6,
    dbPoolUse: cacheOn ? 0.1 : 0.4 + wobble,
    queueUse: 0,
    gcPauseShare: 0.004 + (t === 12 ? 0.05 : 0),
    runQueue: cacheOn ? 1 : 2,
    cpuSteal: 0.01,
  };
}

/** Each second's own percentiles stand in for its answers' latencies. */
const phasesOf = (series: TimePoint[], events: RunEvent[]) =>
  splitPhases(
    series,
    events,
    series.map((p) => [p.p50, p.p95, p.p99]),
  );

function configuration(name: string, cacheOn: boolean): ConfigurationResult {
  const series = Array.from({ length: 20 }, (_, t) => point(t, cacheOn));
  const requests = series.reduce((sum, p) => sum + p.rps, 0);
  // Both configurations lose Redis at t=8; only `defaults` gets it back within the window.
  const events: RunEvent[] = cacheOn
    ? [
        { t: 8, label: 'stop redis' },
        { t: 14, label: 'start redis' },
      ]
    : [{ t: 8, label: 'stop redis' }];
  return {
    name,
    toggles: { CACHE_L1: cacheOn ? 'on' : 'off' },
    summary: {
      requests,
      rps: requests / series.length,
      p50: cacheOn ? 2.1 : 6.2,
      p95: cacheOn ? 6.4 : 18.5,
      p99: cacheOn ? 14.8 : 41.3,
      errors: 3,
      statuses: { '200': requests - 3, '503': 3 },
    },
    series,
    events,
    phases: phasesOf(series, events),
    extra: { staleReads: 0, pairs: 1000 },
  };
}

export function compareRunFixture(): RunReport {
  return {
    scenario: 'redis-outage',
    startedAt: '2026-11-29T15:00:00.000Z',
    host: { cores: 8, node: 'v20.20.2', pinned: false },
    durationSeconds: 20,
    configurations: [configuration('defaults', true), configuration(HOSTILE_NAME, false)],
  };
}

/** `read-heavy --flip 10s:CACHE_L1=off`: one configuration, two phases. */
export function flipRunFixture(): RunReport {
  const series = Array.from({ length: 20 }, (_, t) => point(t, t < 10));
  const events: RunEvent[] = [{ t: 10, label: 'CACHE_L1=off' }];
  const requests = series.reduce((sum, p) => sum + p.rps, 0);
  return {
    scenario: 'read-heavy',
    startedAt: '2026-11-29T16:00:00.000Z',
    host: { cores: 2, node: 'v24.22.0', pinned: true },
    durationSeconds: 20,
    configurations: [
      {
        name: 'defaults',
        toggles: {},
        summary: {
          requests,
          rps: requests / series.length,
          p50: 3.9,
          p95: 12.1,
          p99: 27.5,
          errors: 0,
          statuses: { '200': requests },
        },
        series,
        events,
        phases: phasesOf(series, events),
      },
    ],
  };
}

/** One configuration, no flip or fault: a table row, no bar charts, no phases. */
export function singleRunFixture(): RunReport {
  const run = flipRunFixture();
  const [c] = run.configurations;
  return {
    ...run,
    configurations: [
      {
        ...c,
        series: c.series.map((p) => ({ ...p, queueDepth: null })),
        events: [],
        phases: undefined,
      },
    ],
  };
}
