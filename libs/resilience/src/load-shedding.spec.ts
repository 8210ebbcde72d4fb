import { EventEmitter, once } from 'node:events';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerLoadShedding, type LoadSheddingOptions } from './load-shedding';
import { OverloadedError } from './overloaded.error';

/** Holds requests inside their handler until opened; tells when n of them have arrived. */
class Gate {
  private readonly events = new EventEmitter();
  private readonly waiting: Array<() => void> = [];
  entered = 0;

  pass(): Promise<void> {
    this.entered++;
    const opened = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.events.emit('entered');
    return opened;
  }

  async reached(n: number): Promise<void> {
    while (this.entered < n) await once(this.events, 'entered');
  }

  open(): void {
    for (const release of this.waiting.splice(0)) release();
  }
}

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

interface TestApp {
  app: FastifyInstance;
  gate: Gate;
  rejected: OverloadedError[];
  /** Calls that reached the /quick handler. */
  handled: { quick: number };
  setEnabled(on: boolean): void;
}

const reader = new TestReader();
const apps: TestApp[] = [];

beforeAll(() => metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] })));
afterAll(() => metrics.disable());
afterEach(async () => {
  for (const { app, gate } of apps.splice(0)) {
    gate.open();
    await app.close();
  }
});

/** A bare Fastify app with load shedding; `before` adds hooks that run ahead of it. */
async function startApp(
  options: Partial<LoadSheddingOptions> = {},
  before: (app: FastifyInstance) => void = () => undefined,
): Promise<TestApp> {
  // Closes keep-alive connections too: fetch's pool holds one open for 4 s after an abort.
  const app = Fastify({ forceCloseConnections: true });
  const gate = new Gate();
  const rejected: OverloadedError[] = [];
  const handled = { quick: 0 };
  let enabled = true;
  before(app);
  await registerLoadShedding(app, {
    enabled: () => enabled,
    maxEventLoopDelayMs: 1000,
    maxInFlight: 2,
    sampleIntervalMs: 1000,
    exempt: (path) => path === '/health' || path.startsWith('/health/'),
    reject: (err, _request, reply) => {
      rejected.push(err);
      void reply
        .code(503)
        .header('retry-after', err.retryAfterSeconds)
        .send({ reason: err.reason });
    },
    ...options,
  });
  app.get('/work', async () => {
    await gate.pass();
    return 'done';
  });
  app.get('/quick', async () => {
    handled.quick++;
    return 'ok';
  });
  app.get('/health', async () => 'ok');
  app.get('/health/slow', async () => {
    await gate.pass();
    return 'ok';
  });
  const test = { app, gate, rejected, handled, setEnabled: (on: boolean) => (enabled = on) };
  apps.push(test);
  return test;
}

/** Starts `n` requests to /work and resolves once all of them are inside the handler. */
async function hold(test: TestApp, n: number) {
  const target = test.gate.entered + n;
  const responses = Array.from({ length: n }, () => test.app.inject('/work'));
  const entered = test.gate.reached(target).then(() => undefined);
  const early = await Promise.race([entered, ...responses]);
  if (early !== undefined) throw new Error(`a request to hold was answered: ${early.statusCode}`);
  return responses;
}

async function pollUntil(check: () => Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('registerLoadShedding: in-flight bound', () => {
  it('refuses a request past maxInFlight through reject, and lets the admitted ones finish', async () => {
    const test = await startApp({ maxInFlight: 2 });
    const admitted = await hold(test, 2);

    const refused = await test.app.inject('/work');
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(test.rejected).toHaveLength(1);
    expect(test.rejected[0]).toBeInstanceOf(OverloadedError);
    expect(test.rejected[0]).toMatchObject({ reason: 'in-flight', retryAfterSeconds: 1 });
    expect(test.rejected[0].message).toMatch(/retry in 1 s/);
    expect(test.gate.entered).toBe(2);

    test.gate.open();
    for (const response of await Promise.all(admitted)) {
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('done');
    }
  });

  it('admits again once the requests in flight have finished', async () => {
    const test = await startApp({ maxInFlight: 2 });
    for (let round = 0; round < 3; round++) {
      const admitted = await hold(test, 2);
      expect((await test.app.inject('/quick')).statusCode).toBe(503);
      test.gate.open();
      await Promise.all(admitted);
    }
    expect((await test.app.inject('/quick')).statusCode).toBe(200);
  });

  it('frees the slot of a client that disconnects mid-request', async () => {
    const test = await startApp({ maxInFlight: 1 });
    const url = await test.app.listen({ host: '127.0.0.1', port: 0 });
    const client = new AbortController();
    const abandoned = fetch(`${url}/work`, { signal: client.signal }).catch((err: Error) => err);
    await test.gate.reached(1);
    expect((await fetch(`${url}/quick`)).status).toBe(503);

    client.abort();
    expect(((await abandoned) as Error).name).toBe('AbortError');
    // The handler is still waiting on the gate: only the closed connection can free the slot.
    await pollUntil(async () => (await fetch(`${url}/quick`)).status === 200, 'a free slot');
  });

  it('frees the slot of a client that disconnected while an earlier hook was still running', async () => {
    const test = await startApp({ maxInFlight: 1 }, (app) =>
      app.addHook('onRequest', async (request, reply) => {
        if (request.url === '/work') await once(reply.raw, 'close');
      }),
    );
    const url = await test.app.listen({ host: '127.0.0.1', port: 0 });
    const client = new AbortController();
    const abandoned = fetch(`${url}/work`, { signal: client.signal }).catch((err: Error) => err);
    await new Promise<void>((resolve) => test.app.server.once('request', () => resolve()));
    client.abort();
    await abandoned;
    await test.gate.reached(1); // past the load-shedding hook

    expect((await fetch(`${url}/quick`)).status).toBe(200);
  });

  it('never runs the route of a refused request, even while its response waits in onSend', async () => {
    const test = await startApp({ maxInFlight: 1 }, (app) =>
      app.addHook('onSend', async (_request, _reply, payload) => {
        await new Promise((resolve) => setImmediate(resolve));
        return payload;
      }),
    );
    const admitted = await hold(test, 1);

    expect((await test.app.inject('/quick')).statusCode).toBe(503);
    expect(test.handled.quick).toBe(0);
    test.gate.open();
    await admitted[0];
    expect((await test.app.inject('/quick')).statusCode).toBe(200);
    expect(test.handled.quick).toBe(1);
  });
});

describe('registerLoadShedding: exempt routes and the toggle', () => {
  it('admits exempt requests while at the bound', async () => {
    const test = await startApp({ maxInFlight: 1 });
    await hold(test, 1);

    expect((await test.app.inject('/health')).statusCode).toBe(200);
    expect((await test.app.inject('/health?verbose=1')).statusCode).toBe(200);
    expect((await test.app.inject('/quick')).statusCode).toBe(503);
  });

  it('does not count exempt requests against the bound', async () => {
    const test = await startApp({ maxInFlight: 1 });
    const slowHealth = test.app.inject('/health/slow');
    await test.gate.reached(1);

    expect((await test.app.inject('/quick')).statusCode).toBe(200);
    test.gate.open();
    expect((await slowHealth).statusCode).toBe(200);
  });

  it('admits everything while the toggle is off, and sheds again once it is on', async () => {
    const test = await startApp({ maxInFlight: 1 });
    await hold(test, 1);

    test.setEnabled(false);
    expect((await test.app.inject('/quick')).statusCode).toBe(200);
    test.setEnabled(true);
    expect((await test.app.inject('/quick')).statusCode).toBe(503);
    expect(test.rejected.map((err) => err.reason)).toEqual(['in-flight']);
  });
});

/** Keeps the event loop running late: every turn of it busy-waits `ms`, until stopped. */
function stallLoop(ms: number): () => void {
  let stalling = true;
  const turn = () => {
    if (!stalling) return;
    const until = Date.now() + ms;
    while (Date.now() < until); // busy-wait: nothing else runs
    setTimeout(turn, 0);
  };
  setTimeout(turn, 0);
  return () => (stalling = false);
}

describe('registerLoadShedding: event-loop delay', () => {
  it('sheds with reason event-loop-delay while the loop runs late, and still admits health', async () => {
    const test = await startApp({ maxEventLoopDelayMs: 50, sampleIntervalMs: 50 });
    await test.app.ready();
    expect((await test.app.inject('/quick')).statusCode).toBe(200);

    const stop = stallLoop(100);
    try {
      let healthStatus = 0;
      await pollUntil(async () => {
        const [work, probe] = await Promise.all([
          test.app.inject('/quick'),
          test.app.inject('/health'),
        ]);
        healthStatus = probe.statusCode;
        return work.statusCode === 503;
      }, 'a request shed for event-loop delay');
      expect(healthStatus).toBe(200);
      expect(test.rejected.map((err) => err.reason)).toContain('event-loop-delay');
      expect(test.rejected.map((err) => err.reason)).not.toContain('in-flight');
    } finally {
      stop();
    }

    // Once the loop runs freely again, requests are admitted (the refused ones took no slot).
    await pollUntil(async () => (await test.app.inject('/quick')).statusCode === 200, 'recovery');
  });

  it('does not shed for the stall of its own start-up', async () => {
    const test = await startApp({ maxEventLoopDelayMs: 50, sampleIntervalMs: 50 });
    const startedUntil = Date.now() + 300;
    while (Date.now() < startedUntil); // a slow start: modules loading, code compiling
    await test.app.ready();
    await pollUntil(
      async () => test.app.memoryUsage().eventLoopDelay > 50,
      'the sample that covers start-up',
    );

    expect((await test.app.inject('/quick')).statusCode).toBe(200);
  });

  it.each([
    [10, 5, 20],
    [100, 200, 200],
  ])(
    'refuses a sample interval of %i ms with a bound of %i ms, naming the interval to set',
    async (sampleIntervalMs, maxEventLoopDelayMs, minimum) => {
      const app = Fastify();
      const options = { sampleIntervalMs, maxEventLoopDelayMs, maxInFlight: 1 };
      await expect(
        registerLoadShedding(app, {
          ...options,
          enabled: () => true,
          exempt: () => false,
          reject: () => undefined,
        }),
      ).rejects.toThrow(`set LOAD_SHED_SAMPLE_INTERVAL_MS to at least ${minimum}`);
      await app.close();
    },
  );
});

describe('registerLoadShedding: telemetry', () => {
  async function collect(name: string): Promise<DataPoint<number>[]> {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .filter((scope) => scope.scope.name === 'docscale.resilience')
      .flatMap((scope) => scope.metrics)
      .find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<number>[];
  }

  async function shedCount(reason: string): Promise<number> {
    const points = await collect('docscale.shed.requests');
    return points.find((p) => p.attributes['shed.reason'] === reason)?.value ?? 0;
  }

  it('counts shed requests by reason', async () => {
    const test = await startApp({ maxInFlight: 1 });
    await hold(test, 1);
    const before = await shedCount('in-flight');

    await test.app.inject('/quick');
    await test.app.inject('/quick');
    await test.app.inject('/health');

    expect(await shedCount('in-flight')).toBe(before + 2);
  });

  it('reports requests in flight, exempt ones excluded, and the sampled event-loop delay', async () => {
    const test = await startApp({ maxInFlight: 5 });
    await hold(test, 2);
    void test.app.inject('/health/slow');
    await test.gate.reached(3);

    expect((await collect('docscale.http.in_flight')).map((p) => p.value)).toEqual([2]);
    const delays = await collect('docscale.event_loop.delay_ms');
    expect(delays).toHaveLength(1);
    expect(delays[0].value).toBeGreaterThanOrEqual(0);
  });

  it('stops observing the gauges once Fastify closes', async () => {
    const test = await startApp();
    await test.app.ready();
    const observed = jest.spyOn(test.app, 'memoryUsage');
    await collect('docscale.event_loop.delay_ms');
    expect(observed).toHaveBeenCalledTimes(1);

    await test.app.close();
    await collect('docscale.event_loop.delay_ms');
    expect(observed).toHaveBeenCalledTimes(1);
  });
});
