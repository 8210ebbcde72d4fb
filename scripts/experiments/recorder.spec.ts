import { LoadRecorder, percentile } from './recorder';

describe('LoadRecorder', () => {
  it('hands out each second once, counting non-2xx and transport errors as errors', () => {
    const r = new LoadRecorder();
    for (let ms = 1; ms <= 100; ms++) r.record(200, ms);
    r.record(503, 5);
    r.record(0, 0);
    const second = r.drain(1);
    expect(second).toMatchObject({ rps: 102, p50: 50, p99: 99, errors: 2 });
    expect(r.drain(1)).toMatchObject({ rps: 0, p99: 0, errors: 0 });
    expect(r.requests).toBe(102);
    expect(r.errors).toBe(2);
    expect(r.statuses).toEqual({ '0': 1, '200': 100, '503': 1 });
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([10, 20, 30, 40], 0.5)).toBe(20);
    expect(percentile([10, 20, 30, 40], 0.99)).toBe(40);
    expect(percentile([], 0.5)).toBe(0);
  });
});
