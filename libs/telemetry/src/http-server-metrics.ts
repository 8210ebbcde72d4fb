/**
 * RED metrics of the HTTP server: the per-route request duration histogram (rate, errors and
 * duration all derive from it) and the number of requests in flight, updated on every request.
 *
 * Problem: the OpenTelemetry SDK hashes the attribute set on every `Histogram.record()`
 * (`Object.keys`, sort, `JSON.stringify`), even when the caller passes the same cached object:
 * 1.2 µs per call on the reference machine, 4% of a 30 µs request, before anything else is paid.
 * Mechanism: one series per (route, method, status) with plain bucket counters, found through
 * nested Maps keyed by values the request already holds, so recording allocates nothing and costs
 * a few compares and additions. The SDK meets this data only when it collects (a Prometheus scrape
 * or an OTLP push), through the `MetricProducer` interface of its metric readers.
 * Failure mode: series are never evicted. Cardinality stays bounded because routes are templates
 * (never raw URLs: unmatched requests share the route "unmatched"), methods are the few the HTTP
 * parser accepts, and statuses are three digits; past `maxSeries` everything lands in one
 * `otel.metric.overflow` series instead of growing without bound.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';

/** Upper bounds in seconds: 0.5 ms (an L1 cache hit) to 10 s (a request about to time out). */
export const REQUEST_DURATION_BUCKETS_S: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const DEFAULT_MAX_SERIES = 2000;

interface Series {
  readonly attributes: Attributes;
  readonly counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class HttpServerMetrics implements MetricProducer {
  /** Requests received and not yet answered or abandoned; exported as `http.server.active_requests`. */
  inFlight = 0;
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();
  private readonly startTime: HrTime = hrTime();
  private seriesCount = 0;
  private overflow: Series | undefined;

  constructor(
    private readonly scopeName: string,
    private readonly maxSeries = DEFAULT_MAX_SERIES,
  ) {}

  /** Adds one finished request. `route` is the route template or "unmatched". */
  record(method: string, route: string, status: number, seconds: number): void {
    const series = this.seriesFor(method, route, status);
    const bounds = REQUEST_DURATION_BUCKETS_S;
    // Linear scan: most requests finish within the first few buckets.
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]) bucket++;
    series.counts[bucket]++;
    series.count++;
    series.sum += seconds;
    if (seconds < series.min) series.min = seconds;
    if (seconds > series.max) series.max = seconds;
  }

  collect(): Promise<CollectionResult> {
    const endTime = hrTime();
    const durations: DataPoint<Histogram>[] = [];
    for (const byMethod of this.byRoute.values())
      for (const byStatus of byMethod.values())
        for (const series of byStatus.values()) durations.push(this.point(series, endTime));
    if (this.overflow !== undefined) durations.push(this.point(this.overflow, endTime));
    const metrics: MetricData[] = [
      {
        descriptor: {
          name: 'http.server.active_requests',
          description: 'Number of HTTP server requests in flight.',
          unit: '{request}',
          valueType: ValueType.INT,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: false,
        dataPoints: [{ attributes: {}, startTime: this.startTime, endTime, value: this.inFlight }],
      },
    ];
    if (durations.length > 0) {
      metrics.push({
        descriptor: {
          name: METRIC_HTTP_SERVER_REQUEST_DURATION,
          description: 'Duration of HTTP server requests.',
          unit: 's',
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: durations,
      });
    }
    return Promise.resolve({
      // Metric readers keep the SDK's resource and ignore this one.
      resourceMetrics: {
        resource: emptyResource(),
        scopeMetrics: [{ scope: { name: this.scopeName }, metrics }],
      },
      errors: [],
    });
  }

  private seriesFor(method: string, route: string, status: number): Series {
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (series === undefined) {
      if (this.seriesCount >= this.maxSeries) {
        return (this.overflow ??= newSeries({ 'otel.metric.overflow': true }));
      }
      series = newSeries({
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_HTTP_ROUTE]: route,
        [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
      });
      byStatus.set(status, series);
      this.seriesCount++;
    }
    return series;
  }

  private point(series: Series, endTime: HrTime): DataPoint<Histogram> {
    return {
      attributes: series.attributes,
      startTime: this.startTime,
      endTime,
      value: {
        // Copies: an OTLP export serialises after this returns, while requests keep counting.
        buckets: { boundaries: [...REQUEST_DURATION_BUCKETS_S], counts: [...series.counts] },
        count: series.count,
        sum: series.sum,
        min: series.min,
        max: series.max,
      },
    };
  }
}

function newSeries(attributes: Attributes): Series {
  return {
    attributes: Object.freeze(attributes),
    counts: new Array<number>(REQUEST_DURATION_BUCKETS_S.length + 1).fill(0),
    count: 0,
    sum: 0,
    min: Infinity,
    max: -Infinity,
  };
}
