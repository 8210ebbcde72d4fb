/**
 * A recorded-looking compare run for report tests: two configurations × 20 one-second samples,
 * a Redis outage (L2 ratio unknown while Redis is down), a lone replica-share sample between gaps,
 * and a configuration name carrying markup, because names come from the command line.
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
  };
}

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
    phases: splitPhases(
      series,
      events,
      series.map((p) => [p.p50, p.p95, p.p99]),
    ),
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
    capacity: {
      sloP99Ms: 50,
      maxSustainableRps: 3900,
      bindingConstraint: 'db-pool-wait',
      steps: [
        { rps: 1000, p99: 8, cpuCores: 0.4 },
        { rps: 2000, p99: 12, cpuCores: 0.8 },
        { rps: 4000, p99: 71, cpuCores: 1.9 },
      ],
      doomsday: { currentRps: 800, growth: '3x/6mo', monthsToExhaustion: 8.6 },
    },
  };
}
