import { exportedSeries, instrumentsUnder, metricsIn } from './metric-names';

describe('the exported series, read off the instruments in the code', () => {
  const series = exportedSeries();

  it('names counters with _total, histograms by their three series and gauges as they are', () => {
    expect(series).toContain('docscale_jobs_total'); // pattern:queue
    expect(series).toContain('docscale_job_wait_bucket'); // pattern:queue
    expect(series).toContain('docscale_db_replica_lag_ms'); // pattern:read-replicas
    expect(series).toContain('docscale_db_pool_connections');
    expect(series).toContain('http_server_request_duration_count');
    expect(series).not.toContain('docscale_jobs');
  });

  it('finds the metrics a PromQL expression names, not its functions or labels', () => {
    expect(
      metricsIn(
        'sum(rate(docscale_cache_answers_total{cache_level="docscale_x"}[5m])) / on() docscale_queue_depth',
      ),
    ).toEqual(['docscale_cache_answers_total', 'docscale_queue_depth']);
  });

  it("creates every instrument in a lib, none in src/: a pattern's metrics go with its lib", () => {
    expect(instrumentsUnder('libs').length).toBeGreaterThan(0);
    expect(instrumentsUnder('src')).toEqual([]);
  });
});
