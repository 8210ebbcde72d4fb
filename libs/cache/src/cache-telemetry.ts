import { metrics, trace, type Attributes, type BatchObservableCallback } from '@opentelemetry/api';
import { CircuitState } from 'cockatiel';
import { LRUCache } from 'lru-cache';
import { CacheEntry } from './cache-entry';

export type CacheLevel = 'l1' | 'l2' | 'db';

/** Counters and gauges (docs/patterns/cache-aside.md lists them), with attribute sets reused. */
export class CacheTelemetry {
  private readonly meter = metrics.getMeter('docscale.cache');
  private readonly lookups = this.meter.createCounter('docscale.cache.lookups', {
    description: 'Cache lookups by level and result (hit, miss, too_old for a token, error)',
  });
  private readonly answers = this.meter.createCounter('docscale.cache.answers', {
    description: 'Reads by the level that answered them (l1, l2, db)',
  });
  private readonly loads = this.meter.createCounter('docscale.cache.loads', {
    description:
      "Misses by how they were resolved: loaded from the database, collapsed onto a load in flight, or waited on another instance's lease",
  });
  private readonly fills = this.meter.createCounter('docscale.cache.fills', {
    description: 'Fills by level and outcome (rejected: a newer record or an invalidation won)',
  });
  private readonly invalidations = this.meter.createCounter('docscale.cache.invalidations', {
    description: 'Invalidations sent, received, missed (Redis unreachable) and replayed',
  });
  private readonly attrs = new Map<string, Attributes>();
  private breakerState: CircuitState = CircuitState.Closed;

  lookup(level: 'l1' | 'l2', result: string): void {
    this.lookups.add(1, this.attributes('cache.level', level, 'cache.result', result));
  }

  answered(level: CacheLevel): void {
    this.answers.add(1, this.attributes('cache.level', level));
    trace.getActiveSpan()?.setAttribute('cache.level', level);
  }

  load(how: string): void {
    this.loads.add(1, this.attributes('cache.load', how));
  }

  fill(level: 'l1' | 'l2', outcome: string): void {
    this.fills.add(1, this.attributes('cache.level', level, 'cache.result', outcome));
  }

  invalidation(direction: string): void {
    this.invalidations.add(1, this.attributes('cache.direction', direction));
  }

  breaker(state: CircuitState): void {
    this.breakerState = state;
  }

  observe(
    l1: LRUCache<string, CacheEntry>,
    l1Active: () => boolean,
    available: () => boolean,
    pendingWrites: () => number,
  ): void {
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
      result.observe(bytes, l1.calculatedSize);
      result.observe(entries, l1.size);
      result.observe(active, l1Active() ? 1 : 0);
      result.observe(pending, pendingWrites());
      const state = available() ? this.breakerState : CircuitState.Open;
      result.observe(
        breaker,
        state === CircuitState.Open ? 1 : state === CircuitState.HalfOpen ? 2 : 0,
      );
    };
    this.meter.addBatchObservableCallback(callback, observables);
  }

  /** Unregisters the gauges (set by observe), so a stopped cache is not kept alive by the meter. */
  stop: () => void = () => undefined;

  private attributes(...pairs: string[]): Attributes {
    const key = pairs.join('|');
    let attrs = this.attrs.get(key);
    if (!attrs) {
      attrs = {};
      for (let i = 0; i < pairs.length; i += 2) attrs[pairs[i]] = pairs[i + 1];
      this.attrs.set(key, attrs);
    }
    return attrs;
  }
}
