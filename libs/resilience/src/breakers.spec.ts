import { Logger } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { Breakers } from './breakers';
import { CircuitOpenError } from './resilience.errors';

const down = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'X' }));
const badQuery = () => Promise.reject(new Error('syntax error'));
const isFailure = (err: unknown) => (err as Error).message.startsWith('connect');

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}
const reader = new TestReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** The data points of one metric, as the exporters would see them now. */
async function points(name: string): Promise<DataPoint<number>[]> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []) as DataPoint<number>[];
}

beforeAll(() => Logger.overrideLogger(false));

describe('Breakers', () => {
  let board: Breakers;
  beforeEach(() => (board = new Breakers()));
  afterEach(() => board.stop());

  it('opens after the threshold of consecutive failures and then fails fast', async () => {
    const breaker = board.create('primary', { threshold: 3, halfOpenMs: 60_000, isFailure });
    for (let i = 0; i < 3; i++) await expect(breaker.execute(down)).rejects.toThrow('ECONNREFUSED');
    expect(breaker.state).toBe('open');
    const work = jest.fn(async () => 'ran');
    const err = await breaker.execute(work).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err).toMatchObject({ breaker: 'primary', retryAfterSeconds: 60 });
    expect(work).not.toHaveBeenCalled();
  });

  it('does not count errors the caller says are not the dependency’s', async () => {
    const breaker = board.create('primary', { threshold: 2, halfOpenMs: 60_000, isFailure });
    for (let i = 0; i < 5; i++) await expect(breaker.execute(badQuery)).rejects.toThrow('syntax');
    expect(breaker.state).toBe('closed');
  });

  it('lets one probe through after the half-open period, and closes when it succeeds', async () => {
    const breaker = board.create('primary', { threshold: 1, halfOpenMs: 50, isFailure });
    await expect(breaker.execute(down)).rejects.toThrow();
    expect(breaker.state).toBe('open');
    const deadline = Date.now() + 2000;
    let result: unknown;
    while (Date.now() < deadline) {
      result = await breaker.execute(async () => 'probe').catch((e: unknown) => e);
      if (result === 'probe') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(result).toBe('probe');
    expect(breaker.state).toBe('closed');
  });

  it('fails calls that arrive while the probe runs at once, rather than queue them behind it', async () => {
    const breaker = board.create('primary', { threshold: 1, halfOpenMs: 20, isFailure });
    await expect(breaker.execute(down)).rejects.toThrow();
    let finishProbe!: (v: string) => void;
    const deadline = Date.now() + 2000;
    let probe: Promise<string> | undefined;
    while (!probe && Date.now() < deadline) {
      const attempt = breaker.execute(() => new Promise<string>((r) => (finishProbe = r)));
      const refused = await Promise.race([
        attempt.then(
          () => false,
          (e: unknown) => e instanceof CircuitOpenError,
        ),
        new Promise<false>((r) => setTimeout(() => r(false), 5)),
      ]);
      if (refused) await new Promise((r) => setTimeout(r, 5));
      else probe = attempt;
    }
    expect(breaker.state).toBe('half-open');
    const during = await breaker.execute(async () => 'queued').catch((e: unknown) => e);
    expect(during).toBeInstanceOf(CircuitOpenError);
    finishProbe('probe');
    expect(await probe).toBe('probe');
    expect(breaker.state).toBe('closed');
  });

  it('reopens when the probe fails', async () => {
    const breaker = board.create('primary', { threshold: 1, halfOpenMs: 20, isFailure });
    await expect(breaker.execute(down)).rejects.toThrow();
    const deadline = Date.now() + 2000;
    let probed = false;
    while (!probed && Date.now() < deadline) {
      const err = await breaker.execute(down).catch((e: unknown) => e);
      probed = !(err instanceof CircuitOpenError);
      if (!probed) await new Promise((r) => setTimeout(r, 5));
    }
    expect(probed).toBe(true);
    expect(breaker.state).toBe('open');
  });

  it('shows breakers kept elsewhere beside its own', () => {
    board.create('primary', { threshold: 1, halfOpenMs: 1000, isFailure });
    board.report('replica-1', 'closed');
    board.report('replica-1', 'open');
    board.report('redis-cache', 'half-open');
    expect(board.snapshot()).toEqual({
      primary: 'closed',
      'replica-1': 'open',
      'redis-cache': 'half-open',
    });
  });

  it('exports each breaker’s state, its transitions, failures by kind and rejections', async () => {
    const breaker = board.create('metrics-primary', {
      threshold: 2,
      halfOpenMs: 60_000,
      isFailure,
      isTimeout: (err) => /timeout/.test((err as Error).message),
    });
    await expect(breaker.execute(down)).rejects.toThrow();
    await expect(
      breaker.execute(() => Promise.reject(new Error('connect timeout'))),
    ).rejects.toThrow();
    await expect(breaker.execute(async () => 'refused')).rejects.toBeInstanceOf(CircuitOpenError);
    const of = (ps: DataPoint<number>[], attrs: Record<string, string>) =>
      ps.find((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))?.value;

    expect(of(await points('docscale.breaker.state'), { breaker: 'metrics-primary' })).toBe(1);
    const transitions = await points('docscale.breaker.transitions');
    expect(of(transitions, { breaker: 'metrics-primary', state: 'open' })).toBe(1);
    const failures = await points('docscale.breaker.failures');
    expect(of(failures, { breaker: 'metrics-primary', failure: 'error' })).toBe(1);
    expect(of(failures, { breaker: 'metrics-primary', failure: 'timeout' })).toBe(1);
    const rejections = await points('docscale.breaker.rejections');
    expect(of(rejections, { breaker: 'metrics-primary' })).toBe(1);
  });
});
