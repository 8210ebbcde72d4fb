/**
 * Garbage-collection pauses of this process, as the histogram `docscale.gc.pause` (seconds, by
 * `gc.kind`; on /metrics `docscale_gc_pause_bucket`, `_sum`, `_count`).
 *
 * Problem: a p99 that breaks while no resource is near saturation is often a stop-the-world
 * collection, and without the pause time a capacity run cannot tell it from lock contention or a
 * busy neighbour. Mechanism: a PerformanceObserver on `gc` entries records each pause once it has
 * ended; the share of a second spent paused is Δsum ÷ Δt between two scrapes. Cost: one entry and
 * one record per collection (tens a second under load), nothing per request.
 * Failure mode: entries arrive in batches a tick or more after the pause, so a scrape can miss the
 * last pauses of its interval; the next scrape counts them.
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import {
  constants,
  PerformanceObserver,
  type NodeGCPerformanceDetail,
  type PerformanceEntry,
} from 'node:perf_hooks';

/** Upper bounds in seconds: a young-generation scavenge (≈ 0.5 ms) to a full-heap pause (1 s). */
const PAUSE_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

const KINDS: ReadonlyMap<number, Attributes> = new Map([
  [constants.NODE_PERFORMANCE_GC_MINOR, { 'gc.kind': 'minor' }],
  [constants.NODE_PERFORMANCE_GC_MAJOR, { 'gc.kind': 'major' }],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, { 'gc.kind': 'incremental' }],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, { 'gc.kind': 'weakcb' }],
]);
const OTHER: Attributes = { 'gc.kind': 'other' };

function kindOf(entry: PerformanceEntry): Attributes {
  // A `gc` entry carries NodeGCPerformanceDetail; the base type does not declare it.
  const { detail } = entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail | null };
  return KINDS.get(detail?.kind ?? -1) ?? OTHER;
}

/** Starts recording this process's GC pauses on `meter`; returns the function that stops it. */
export function observeGcPauses(meter: Meter): () => void {
  const pauses = meter.createHistogram('docscale.gc.pause', {
    description: 'Garbage-collection pauses of this process, by gc.kind',
    unit: 's',
    advice: { explicitBucketBoundaries: PAUSE_BUCKETS_S },
  });
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.record(entry.duration / 1000, kindOf(entry));
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
