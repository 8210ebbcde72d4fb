/**
 * Load shedding: requests arrive faster than one instance can serve them (an open loop at a
 * multiple of its measured capacity). Without shedding the backlog grows and every request waits
 * behind it; with it the excess gets a fast 503 + Retry-After and the admitted keep their latency.
 * Both runs happen here, one after the other, with shedding switched at runtime, so the comparison
 * is within one run on one machine. Health must answer throughout, and the process must survive
 * and admit again afterwards.
 */
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { isolatedQueue, percentile } from '../helpers/jobs';
import { Outcome, openLoad, startLoad, tally } from '../helpers/load';
import { scrape } from '../helpers/metrics'; // pattern:telemetry
import { pollUntil } from '../helpers/poll';
import { newTenant } from '../helpers/tenants';

jest.setTimeout(120_000);

const MAX_IN_FLIGHT = 4;
/** Arrivals at this multiple of the measured capacity, for this long. */
const OVERLOAD = 3;
const SECONDS = 3;

describe('load shedding under overload', () => {
  let api: Instance;
  let headers: Record<string, string>;
  const admin = { Authorization: 'Bearer local-admin-key-change-me' };
  // A page of 50 documents of 20 KB: real work per request (the listing is not cached).
  const list = (signal: AbortSignal) =>
    fetch(`${api.url}/v1/documents?limit=50`, { headers, signal });

  beforeAll(async () => {
    [api] = await startInstances(1, {
      LOAD_SHED_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
      ...isolatedQueue().env,
    });
    const { key } = await newTenant('overload');
    headers = { Authorization: `Bearer ${key}` };
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${api.url}/v1/documents`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: `doc ${i}`, body: 'x'.repeat(20_000) }),
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await stopAll([api]);
  });

  async function setShedding(on: boolean): Promise<void> {
    const res = await fetch(`${api.adminUrl}/v1/admin/toggles`, {
      method: 'PATCH',
      headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ LOAD_SHEDDING: on }),
    });
    expect(res.status).toBe(200);
  }

  /** Requests a second the instance serves with as many clients as its in-flight bound. */
  async function capacity(): Promise<number> {
    const load = startLoad(MAX_IN_FLIGHT, (_c, _n, signal) => list(signal));
    const start = performance.now();
    await pollUntil(() => load.outcomes.length >= 200, { timeoutMs: 30_000, what: '200 answers' });
    const outcomes = await load.stop();
    expect(outcomes.every((o) => o.status === 200)).toBe(true);
    return (outcomes.length / (performance.now() - start)) * 1000;
  }

  /**
   * The overload, while probing liveness and the admin toggles; true in `healthy` if every probe
   * answered 200.
   */
  async function overload(rate: number): Promise<{ outcomes: Outcome[]; healthy: boolean }> {
    let healthy = true;
    let probing = true;
    const probes = (async () => {
      while (probing) {
        const res = await fetch(`${api.url}/health/live`).catch(() => undefined);
        // The admin endpoint (toggles) is the operator's way out of an overload: never shed.
        const toggles = await fetch(`${api.adminUrl}/v1/admin/toggles`, { headers: admin }).catch(
          () => undefined,
        );
        healthy &&= res?.status === 200 && toggles?.status === 200;
      }
    })();
    const outcomes = await openLoad(rate, SECONDS, list);
    probing = false;
    await probes;
    return { outcomes, healthy };
  }

  it('sheds the excess with fast 503s, keeps the admitted fast, never sheds health, and recovers', async () => {
    const rate = Math.ceil((await capacity()) * OVERLOAD);
    await setShedding(false);
    const unshed = await overload(rate);
    await setShedding(true);
    const shed = await overload(rate);

    const admitted = shed.outcomes.filter((o) => o.status === 200);
    const refused = shed.outcomes.filter((o) => o.status !== 200);
    const p99 = (os: Outcome[]) =>
      percentile(
        os.map((o) => o.ms),
        99,
      );
    const p50 = (os: Outcome[]) =>
      percentile(
        os.map((o) => o.ms),
        50,
      );
    console.log(`overload: ${rate} requests/s for ${SECONDS} s (${OVERLOAD}× capacity)`);
    console.log('shedding off:', tally(unshed.outcomes), `p99 ${p99(unshed.outcomes)} ms`);
    console.log(
      'shedding on:',
      tally(shed.outcomes),
      `admitted p99 ${p99(admitted)} ms, shed p50 ${p50(refused)} ms (client-side)`,
    );

    // Without shedding every request waits its turn behind the backlog...
    expect(unshed.outcomes.every((o) => o.status === 200)).toBe(true);
    // ...with it the excess is refused, at once, and the admitted wait far less.
    expect(refused.length).toBeGreaterThan(0);
    expect(admitted.length).toBeGreaterThan(0);
    for (const o of refused) {
      expect(o).toMatchObject({ status: 503, type: '/problems/overloaded', retryAfter: '1' });
    }
    // pattern:telemetry:begin
    // Fast: measured by the server, since a client sharing its cores queues both alike.
    const metrics = await scrape(api.adminUrl);
    const meanMs = (status: string) => {
      const labels = { http_response_status_code: status, http_route: '/v1/documents' };
      const sum = metrics.sum('http_server_request_duration_sum', labels);
      return (sum / metrics.sum('http_server_request_duration_count', labels)) * 1000;
    };
    const [shedMs, servedMs] = [meanMs('503'), meanMs('200')];
    console.log(`server-side mean: shed ${shedMs.toFixed(2)} ms, served ${servedMs.toFixed(2)} ms`);
    expect(shedMs).toBeLessThan(servedMs / 5);
    expect(metrics.sum('docscale_shed_requests_total')).toBe(refused.length);
    // pattern:telemetry:end
    expect(p99(admitted)).toBeLessThan(p99(unshed.outcomes));
    expect(shed.healthy && unshed.healthy).toBe(true);

    // Not crashed, and admitting again once the load is gone.
    expect(api.process.exitCode).toBeNull();
    const after = await fetch(`${api.url}/v1/documents?limit=1`, { headers });
    expect(after.status).toBe(200);
  });
});
