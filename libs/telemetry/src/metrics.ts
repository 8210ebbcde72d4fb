import { createNoopMeter, type Meter, type MeterProvider } from '@opentelemetry/api';

/**
 * Where other libs get their meters (cache hits by level, replica lag, breaker state...):
 * `metrics.meter('docscale.cache').createCounter(...)`. Meters come from the provider
 * `startTelemetry()` built, so instruments work even when created before the global API is
 * touched, and are no-ops when metrics are off (`TELEMETRY_METRICS=off`).
 *
 * Cost: the SDK hashes the attribute set on every `add()`/`record()` (about 1 µs with three
 * attributes). Keep attribute sets small and cached; on a per-request path, count in plain numbers
 * and report them through an observable instrument, as the HTTP RED metrics do.
 */
export class Metrics {
  constructor(private readonly provider: MeterProvider | undefined) {}

  /** A meter named after the lib that owns its instruments, e.g. `docscale.cache`. */
  meter(name: string): Meter {
    return this.provider === undefined ? createNoopMeter() : this.provider.getMeter(name);
  }
}
