import { DataPointType, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { HttpServerMetrics, REQUEST_DURATION_BUCKETS_S } from './http-server-metrics';

async function durations(metrics: HttpServerMetrics): Promise<DataPoint<Histogram>[]> {
  const { resourceMetrics } = await metrics.collect();
  const histogram = resourceMetrics.scopeMetrics[0].metrics.find(
    (m) => m.descriptor.name === 'http.server.request.duration',
  );
  if (histogram === undefined) return [];
  if (histogram.dataPointType !== DataPointType.HISTOGRAM) throw new Error('not a histogram');
  return histogram.dataPoints;
}

describe('HttpServerMetrics', () => {
  it('puts a duration equal to a bound in that bound’s bucket, and a longer one in the next', async () => {
    const metrics = new HttpServerMetrics('spec');
    metrics.record('GET', '/a', 200, 0.001);
    metrics.record('GET', '/a', 200, 0.0011);
    metrics.record('GET', '/a', 200, 60);

    const [point] = await durations(metrics);
    const at = (bound: number) =>
      point.value.buckets.counts[REQUEST_DURATION_BUCKETS_S.indexOf(bound)];
    expect(at(0.001)).toBe(1);
    expect(at(0.0025)).toBe(1);
    expect(point.value.buckets.counts.at(-1)).toBe(1); // above 10 s
    expect(point.value).toMatchObject({ count: 3, min: 0.001, max: 60 });
    expect(point.value.sum).toBeCloseTo(60.0021, 6);
  });

  it('keeps one series per route, method and status', async () => {
    const metrics = new HttpServerMetrics('spec');
    metrics.record('GET', '/a', 200, 0.01);
    metrics.record('GET', '/a', 200, 0.01);
    metrics.record('GET', '/a', 404, 0.01);
    metrics.record('POST', '/a', 200, 0.01);
    metrics.record('GET', '/b', 200, 0.01);

    const points = await durations(metrics);
    expect(points.map((p) => [p.attributes, p.value.count])).toEqual([
      [{ 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 }, 2],
      [{ 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 404 }, 1],
      [{ 'http.request.method': 'POST', 'http.route': '/a', 'http.response.status_code': 200 }, 1],
      [{ 'http.request.method': 'GET', 'http.route': '/b', 'http.response.status_code': 200 }, 1],
    ]);
  });

  it('stops creating series at the limit and counts the rest in one overflow series', async () => {
    const metrics = new HttpServerMetrics('spec', 2);
    for (const route of ['/a', '/b', '/c', '/d']) metrics.record('GET', route, 200, 0.01);
    metrics.record('GET', '/a', 200, 0.01);

    const points = await durations(metrics);
    expect(points.map((p) => [p.attributes['http.route'] ?? 'overflow', p.value.count])).toEqual([
      ['/a', 2],
      ['/b', 1],
      ['overflow', 2],
    ]);
    expect(points[2].attributes).toEqual({ 'otel.metric.overflow': true });
  });

  it('hands out copies, so a later request does not change an export in progress', async () => {
    const metrics = new HttpServerMetrics('spec');
    metrics.record('GET', '/a', 200, 0.01);
    const [before] = await durations(metrics);
    metrics.record('GET', '/a', 200, 0.01);
    expect(before.value.count).toBe(1);
    expect(before.value.buckets.counts.reduce((a, b) => a + b)).toBe(1);
  });
});
