/**
 * The database lib's gauges (its pools; its replicas' lag and rotation): each set is read from
 * state the lib keeps anyway, at each collection (a scrape), by one batch callback that looks at
 * that state once for all its gauges. Nothing is measured per query.
 */
import { metrics, type Attributes, type ObservableGauge } from '@opentelemetry/api';

/** Each gauge's metric name and description, by the key the callback observes it with. */
export type GaugeNames<K extends string> = Record<K, { name: string; description: string }>;

/** Reports `value` for the gauge `gauge`, in the series `attributes`. */
export type ObserveGauge<K extends string> = (
  gauge: K,
  value: number,
  attributes: Attributes,
) => void;

/** Creates the gauges of `names` and observes them with `collect` at each collection. */
export function registerGauges<K extends string>(
  names: GaugeNames<K>,
  collect: (observe: ObserveGauge<K>) => void,
): void {
  const meter = metrics.getMeter('docscale.database');
  const gauges = new Map<K, ObservableGauge>();
  for (const key of Object.keys(names) as K[]) {
    const { name, description } = names[key];
    gauges.set(key, meter.createObservableGauge(name, { description }));
  }
  meter.addBatchObservableCallback(
    (result) =>
      collect((gauge, value, attributes) => result.observe(gauges.get(gauge)!, value, attributes)),
    [...gauges.values()],
  );
}
