import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { Pool } from 'pg';
import { registerPoolGauges } from './pool-gauges';

// The real local stack's primary (scripts/stack.sh; npm test exports its URL).
const PRIMARY_URL =
  process.env.DATABASE_PRIMARY_URL ?? 'postgres://docscale:docscale@127.0.0.1:55432/docscale';

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}
const reader = new TestReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** name{labels} → value, as a scrape would see it now. */
async function gauges(): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const out: Record<string, number> = {};
  for (const m of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
    for (const p of m.dataPoints as DataPoint<number>[]) {
      const labels = Object.entries(p.attributes).map(([k, v]) => `${k}=${String(v)}`);
      out[`${m.descriptor.name}{${labels.join(',')}}`] = p.value;
    }
  }
  return out;
}

const pool = new Pool({ connectionString: PRIMARY_URL, max: 2 });
registerPoolGauges(() => [
  ['primary', pool],
  ['replica-1', undefined], // never connected: not reported rather than reported as empty
]);
afterAll(() => pool.end());

it('reports used, idle, waiting and the pool size while queries queue for a connection', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  // Two connections held by open transactions, and a third query waiting for one of them.
  const holders = [0, 1].map(async () => {
    const client = await pool.connect();
    await gate;
    client.release();
  });
  const waiter = pool.query('SELECT 1');
  const deadline = Date.now() + 5000;
  while (pool.waitingCount < 1 && Date.now() < deadline) await new Promise((r) => setImmediate(r));

  const busy = await gauges();
  expect(busy['docscale.db.pool.connections{db.pool=primary,state=used}']).toBe(2);
  expect(busy['docscale.db.pool.connections{db.pool=primary,state=idle}']).toBe(0);
  expect(busy['docscale.db.pool.waiting{db.pool=primary}']).toBe(1);
  expect(busy['docscale.db.pool.max{db.pool=primary}']).toBe(2);
  expect(Object.keys(busy).some((k) => k.includes('replica-1'))).toBe(false);

  release();
  await Promise.all([...holders, waiter]);
  const idle = await gauges();
  expect(idle['docscale.db.pool.connections{db.pool=primary,state=used}']).toBe(0);
  expect(idle['docscale.db.pool.connections{db.pool=primary,state=idle}']).toBe(2);
  expect(idle['docscale.db.pool.waiting{db.pool=primary}']).toBe(0);
});
