import { errorCode, LoadRecorder, medianSecondP99, percentile, percentileOf } from './recorder';

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

  it("keeps a transport error's code beside its 0, and counts it as an error", () => {
    const r = new LoadRecorder();
    r.record(200, 5);
    r.record(0, 0, 'ECONNRESET');
    r.record(0, 0, 'ECONNRESET');
    r.record(0, 0);
    expect(r.statuses).toEqual({ '200': 1, '0 ECONNRESET': 2, '0': 1 });
    expect(r.errors).toBe(3);
    expect(r.drain(1).errors).toBe(3);
  });

  it("takes the median of each second's p99, so that one stalled second does not decide it", () => {
    const second = (s: number, ms: number[]) => ms.map((m, i) => ({ ms: m, sentAt: s * 1000 + i }));
    const steady = Array.from({ length: 30 }, (_, i) => 1 + i / 10);
    const samples = [
      ...second(0, steady),
      ...second(1, [...steady.slice(1), 250]), // a stall: this second's p99 is 250
      ...second(2, steady),
      ...second(3, [900, 900]), // too few to count
    ];
    expect(medianSecondP99(samples, 0)).toBeCloseTo(3.9);
    expect(
      percentileOf(
        samples.map((s) => s.ms),
        0.99,
      ),
    ).toBe(900);
    expect(medianSecondP99([], 0)).toBe(0);
  });

  it("names a transport error by fetch's cause code, node:http's code, else its name", () => {
    const fetchError = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'UND_ERR_SOCKET' },
    });
    const httpError = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    // An aborted node:http request: its cause's code is a number, not a name.
    const aborted = Object.assign(new Error('aborted'), {
      name: 'AbortError',
      cause: { code: 23 },
    });
    expect(errorCode(fetchError)).toBe('UND_ERR_SOCKET');
    expect(errorCode(httpError)).toBe('ECONNREFUSED');
    expect(errorCode(aborted)).toBe('AbortError');
    expect(errorCode(undefined)).toBe('unknown');
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([10, 20, 30, 40], 0.5)).toBe(20);
    expect(percentile([10, 20, 30, 40], 0.99)).toBe(40);
    expect(percentile([], 0.5)).toBe(0);
  });
});
