import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
} from '@opentelemetry/sdk-metrics';
import { byKey, PreAggregatedCounter } from './pre-aggregated-counter';

/** A MeterProvider of its own and a way to read what it exports, as a collection would. */
function provider() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meters = new MeterProvider({ readers: [reader] });
  const meter = meters.getMeter('spec');
  return {
    meter,
    async points(name: string): Promise<DataPoint<number>[]> {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((m) => m.descriptor.name === name);
      if (metric === undefined) return [];
      if (metric.dataPointType !== DataPointType.SUM || !metric.isMonotonic) {
        throw new Error(`${name} is not a monotonic sum`);
      }
      return metric.dataPoints;
    },
    shutdown: () => meters.shutdown(),
  };
}

describe('PreAggregatedCounter', () => {
  it('exports each series as a monotonic cumulative sum with its attributes', async () => {
    const { meter, points, shutdown } = provider();
    const counter = PreAggregatedCounter.of(meter, 'spec.hits', { description: 'hits' });
    const hit = counter.series({ level: 'l1', result: 'hit' });
    const miss = counter.series({ level: 'l1', result: 'miss' });
    hit.add();
    hit.add();
    miss.add(5);

    expect((await points('spec.hits')).map((p) => [p.attributes, p.value])).toEqual([
      [{ level: 'l1', result: 'hit' }, 2],
      [{ level: 'l1', result: 'miss' }, 5],
    ]);
    hit.add();
    expect((await points('spec.hits'))[0].value).toBe(3); // cumulative, not reset by a collection
    await shutdown();
  });

  it('exports a series only once it was added to, as a synchronous counter does', async () => {
    const { meter, points, shutdown } = provider();
    const counter = PreAggregatedCounter.of(meter, 'spec.lazy');
    const table = byKey(['a', 'b', 'c'] as const, (k) => counter.series({ k }));

    expect(await points('spec.lazy')).toEqual([]);
    table.b.add();
    expect((await points('spec.lazy')).map((p) => p.attributes)).toEqual([{ k: 'b' }]);
    await shutdown();
  });

  it('gives one series per attribute set, whatever the key order or the caller', async () => {
    const { meter, points, shutdown } = provider();
    const one = PreAggregatedCounter.of(meter, 'spec.shared');
    const other = PreAggregatedCounter.of(meter, 'spec.shared'); // a second cache in the process

    expect(other).toBe(one);
    one.series({ a: '1', b: '2' }).add();
    other.series({ b: '2', a: '1' }).add();

    expect((await points('spec.shared')).map((p) => [p.attributes, p.value])).toEqual([
      [{ a: '1', b: '2' }, 2],
    ]);
    await shutdown();
  });

  it('keeps the attributes it was given apart from the caller’s object', async () => {
    const { meter, points, shutdown } = provider();
    const attributes = { route: 'reads' };
    const series = PreAggregatedCounter.of(meter, 'spec.copy').series(attributes);
    attributes.route = 'changed';
    series.add();

    expect((await points('spec.copy'))[0].attributes).toEqual({ route: 'reads' });
    await shutdown();
  });

  it('starts afresh on another MeterProvider', async () => {
    const first = provider();
    PreAggregatedCounter.of(first.meter, 'spec.fresh').series({}).add(7);
    const second = provider();
    PreAggregatedCounter.of(second.meter, 'spec.fresh').series({}).add();

    expect((await second.points('spec.fresh')).map((p) => p.value)).toEqual([1]);
    expect((await first.points('spec.fresh')).map((p) => p.value)).toEqual([7]);
    await Promise.all([first.shutdown(), second.shutdown()]);
  });
});
