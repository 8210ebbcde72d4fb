import { metrics, trace, type BatchObservableCallback } from '@opentelemetry/api';
import { byKey, PreAggregatedCounter } from '@docscale/telemetry';
import { LRUCache } from 'lru-cache';
import { CacheEntry } from './cache-entry';
import type { CacheState } from './tiered-cache';

export type CacheLevel = 'l1' | 'l2' | 'db';

export type LookupResult = 'hit' | 'miss' | 'too_old' | 'error';
export type LoadResolution = 'loaded' | 'collapsed' | 'lease_wait_hit' | 'lease_wait_timeout';
export type FillOutcome = 'stored' | 'rejected' | 'error';
export type InvalidationDirection = 'sent' | 'received' | 'missed' | 'replayed';

const LEVELS = ['l1', 'l2', 'db'] as const;
const LOOKUP_RESULTS: readonly LookupResult[] = ['hit', 'miss', 'too_old', 'error'];
const LOADS: readonly LoadResolution[] = [
  'loaded',
  'collapsed',
  'lease_wait_hit',
  'lease_wait_timeout',
];
const FILL_OUTCOMES: readonly FillOutcome[] = ['stored', 'rejected', 'error'];
const DIRECTIONS: readonly InvalidationDirection[] = ['sent', 'received', 'missed', 'replayed'];
const BREAKER_GAUGE: Record<CacheState['l2'], number> = { closed: 0, open: 1, 'half-open': 2 };

/**
 * Counters and gauges (docs/patterns/cache-aside.md lists them). Every counter's attribute sets
 * are known here and resolved once (PreAggregatedCounter): a cache hit counts with two additions.
 */
export class CacheTelemetry {
  private readonly meter = metrics.getMeter('docscale.cache');
  private readonly lookups = byKey(['l1', 'l2'] as const, (level) =>
    PreAggregatedCounter.of(this.meter, 'docscale.cache.lookups', {
      description: 'Cache lookups by level and result (hit, miss, too_old for a token, error)',
    }).seriesBy(LOOKUP_RESULTS, (result) => ({ 'cache.level': level, 'cache.result': result })),
  );
  private readonly answers = PreAggregatedCounter.of(this.meter, 'docscale.cache.answers', {
    description: 'Reads by the level that answered them (l1, l2, db)',
  }).seriesBy(LEVELS, (level) => ({ 'cache.level': level }));
  private readonly loads = PreAggregatedCounter.of(this.meter, 'docscale.cache.loads', {
    description:
      "Misses by how they were resolved: loaded from the database, collapsed onto a load in flight, or waited on another instance's lease",
  }).seriesBy(LOADS, (how) => ({ 'cache.load': how }));
  private readonly fills = byKey(['l1', 'l2'] as const, (level) =>
    PreAggregatedCounter.of(this.meter, 'docscale.cache.fills', {
      description: 'Fills by level and outcome (rejected: a newer record or an invalidation won)',
    }).seriesBy(FILL_OUTCOMES, (outcome) => ({ 'cache.level': level, 'cache.result': outcome })),
  );
  private readonly invalidations = PreAggregatedCounter.of(
    this.meter,
    'docscale.cache.invalidations',
    { description: 'Invalidations sent, received, missed (Redis unreachable) and replayed' },
  ).seriesBy(DIRECTIONS, (direction) => ({ 'cache.direction': direction }));

  lookup(level: 'l1' | 'l2', result: LookupResult): void {
    this.lookups[level][result].add();
  }

  answered(level: CacheLevel): void {
    this.answers[level].add();
    trace.getActiveSpan()?.setAttribute('cache.level', level);
  }

  load(how: LoadResolution): void {
    this.loads[how].add();
  }

  fill(level: 'l1' | 'l2', outcome: FillOutcome): void {
    this.fills[level][outcome].add();
  }

  invalidation(direction: InvalidationDirection): void {
    this.invalidations[direction].add();
  }

  observe(l1: LRUCache<string, CacheEntry>, state: () => CacheState): void {
    const pending = this.meter.createObservableGauge('docscale.cache.pending_writes', {
      description: 'Writes that could not reach L2 (Redis unreachable), waiting to be replayed',
    });
    const bytes = this.meter.createObservableGauge('docscale.cache.l1.bytes', {
      description: "Bytes held by this instance's L1",
    });
    const entries = this.meter.createObservableGauge('docscale.cache.l1.entries', {
      description: "Entries held by this instance's L1",
    });
    const active = this.meter.createObservableGauge('docscale.cache.l1.active', {
      description: '1 while L1 answers reads (on, and subscribed to invalidations)',
    });
    const breaker = this.meter.createObservableGauge('docscale.cache.l2.breaker', {
      description: 'Redis (cache) breaker: 0 closed, 1 open (L2 bypassed), 2 half-open',
    });
    const observables = [bytes, entries, active, breaker, pending];
    this.stop = () => this.meter.removeBatchObservableCallback(callback, observables);
    const callback: BatchObservableCallback = (result) => {
      const now = state();
      result.observe(bytes, l1.calculatedSize);
      result.observe(entries, l1.size);
      result.observe(active, now.l1 === 'active' ? 1 : 0);
      result.observe(pending, now.pendingWrites);
      result.observe(breaker, BREAKER_GAUGE[now.l2]);
    };
    this.meter.addBatchObservableCallback(callback, observables);
  }

  /** Unregisters the gauges (set by observe), so a stopped cache is not kept alive by the meter. */
  stop: () => void = () => undefined;
}
