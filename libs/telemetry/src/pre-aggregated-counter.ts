/**
 * A monotonic counter for the hot path: `series.add()` is one addition on a plain number.
 *
 * Problem: the OpenTelemetry SDK hashes the attribute set on every synchronous `Counter.add()`
 * (`Object.keys`, sort, `JSON.stringify`, then a map lookup), even when the caller passes the same
 * cached object each time: on an L1 cache hit that was two such calls per request, ~4% of its CPU
 * (issue 17's profile). The SDK once had bound instruments for this and removed them.
 * Mechanism: each attribute set is resolved to a `CounterSeries` once, by the caller, where the
 * set is built (a table per route class, cache level...); adding to it touches nothing else. The
 * SDK meets the totals only when it collects (a scrape, an OTLP push), through an asynchronous
 * ObservableCounter whose callback reports every series added to so far. Exported data is what a
 * synchronous Counter gives: a monotonic cumulative sum per attribute set, a series appearing once
 * it was first added to.
 * Like the SDK's own instruments, one counter serves every caller of its name on a meter (two
 * caches in one process add to the same series), and it lives as long as the meter.
 * Failure mode: series are never dropped, so attribute sets must come from a bounded set (route
 * classes, outcomes, replica names), never from request data.
 */
import type { Attributes, Meter, MetricOptions } from '@opentelemetry/api';

/** One attribute set's running total. */
export class CounterSeries {
  value = 0;

  constructor(readonly attributes: Attributes) {}

  add(n = 1): void {
    this.value += n;
  }
}

/** Counters by meter and name: a MeterProvider replaced (a test's) starts afresh. */
const COUNTERS = new WeakMap<Meter, Map<string, PreAggregatedCounter>>();

export class PreAggregatedCounter {
  private readonly bySet = new Map<string, CounterSeries>();

  /** The counter `name` of `meter`, created on first use (`options` are the first caller's). */
  static of(meter: Meter, name: string, options: MetricOptions = {}): PreAggregatedCounter {
    let byName = COUNTERS.get(meter);
    if (byName === undefined) COUNTERS.set(meter, (byName = new Map()));
    let counter = byName.get(name);
    if (counter === undefined)
      byName.set(name, (counter = new PreAggregatedCounter(meter, name, options)));
    return counter;
  }

  private constructor(meter: Meter, name: string, options: MetricOptions) {
    meter.createObservableCounter(name, options).addCallback((result) => {
      for (const series of this.bySet.values()) {
        if (series.value > 0) result.observe(series.value, series.attributes);
      }
    });
  }

  /**
   * The series of `attributes` (the same one for an equal set, whatever its key order): resolve it
   * once and keep it, since this call builds a key.
   */
  series(attributes: Attributes): CounterSeries {
    const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
    let series = this.bySet.get(key);
    if (series === undefined) {
      series = new CounterSeries({ ...attributes });
      this.bySet.set(key, series);
    }
    return series;
  }

  /** One series per key, `{ [key]: series(attributesOf(key)) }`, to resolve a dimension at once. */
  seriesBy<K extends string>(
    keys: readonly K[],
    attributesOf: (key: K) => Attributes,
  ): Record<K, CounterSeries> {
    return byKey(keys, (key) => this.series(attributesOf(key)));
  }
}

/** `{ [key]: value(key) }` over `keys`. */
export function byKey<K extends string, V>(keys: readonly K[], value: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, value(key)])) as Record<K, V>;
}
