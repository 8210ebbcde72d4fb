/**
 * Two API instances behind nginx (docker/nginx/docscale.conf, the compose configuration): any
 * instance serves any request, and both can be replaced one at a time under steady load without
 * one failed request (SPEC, graceful shutdown): scripts/rolling-restart.ts takes each out of
 * nginx before stopping it. Restarted the same way without that step, requests fail.
 */
import { Client } from 'pg';
import request from 'supertest';
import { Balancer } from '../../scripts/balancer';
import { fetchThroughBalancer } from '../../scripts/balancer-fetch';
import { rollingRestart } from '../../scripts/rolling-restart';
import { AppConfig } from '../../src/config';
import { BalancedInstances, startBalancedInstances } from '../helpers/balancer';
import { Instance } from '../helpers/instances';
import { startLoad, tally } from '../helpers/load';
import { metricSum } from '../helpers/metrics'; // pattern:telemetry
import { pollUntil } from '../helpers/poll';
import { newTenant } from '../helpers/tenants';

jest.setTimeout(120_000);

const CLIENTS = 20;

// pattern:telemetry:begin
/** Requests an instance answered on the documents routes (only the load sends those). */
const served = (i: Instance) =>
  metricSum(i.adminUrl, 'http_server_request_duration_count', { http_route: '/v1/documents/:id' });
// pattern:telemetry:end

describe('API instances behind nginx', () => {
  let lb: BalancedInstances;
  /** The members now: those started, then their replacements. */
  let current: Instance[];
  let tenantId: string;
  let auth: { Authorization: string };

  beforeAll(async () => {
    lb = await startBalancedInstances(2, { RATE_LIMIT: 'off' });
    current = lb.instances;
    const tenant = await newTenant('rolling');
    tenantId = tenant.tenantId;
    auth = { Authorization: `Bearer ${tenant.key}` };
  });
  afterAll(() => lb?.stop());

  const create = (url: string) =>
    request(url).post('/v1/documents').set(auth).send({ title: 'lb', body: 'b' }).expect(201);

  it('reads through nginx and through each instance what was written through nginx', async () => {
    const created = await create(lb.balancer.url);
    const viaLb = await request(lb.balancer.url).get(created.headers.location).set(auth);
    expect(viaLb.status).toBe(200);
    expect(viaLb.body).toEqual(created.body);
    for (const instance of current) {
      const direct = await request(instance.url).get(created.headers.location).set(auth);
      expect(direct.status).toBe(200);
      expect(direct.body).toEqual(created.body);
      expect(direct.headers.etag).toBe(created.headers.etag);
    }
  });

  /**
   * Restarts every member under steady load through nginx (reads of known documents, one create
   * in five) with `members` as the balancer rollingRestart changes, and counts what clients saw.
   */
  async function restartUnderLoad(members: Pick<Balancer, 'setMembers'>) {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await create(lb.balancer.url)).body.id);
    const before = await documentCount(tenantId);
    const run = { resent: 0, errors: [] as string[], steps: [] as string[], started: Date.now() };
    const load = startLoad(CLIENTS, async (_client, n, signal) => {
      const post = n % 5 === 4;
      const url = `${lb.balancer.url}/v1/documents${post ? '' : `/${ids[n % ids.length]}`}`;
      const init: RequestInit = post
        ? {
            method: 'POST',
            headers: { ...auth, 'Content-Type': 'application/json' },
            body: JSON.stringify({ title: 'under load', body: 'rolling restart' }),
            signal,
          }
        : { headers: auth, signal };
      const res = await fetchThroughBalancer(url, init, () => run.resent++).catch((err: Error) => {
        const cause = (err.cause as Error | undefined)?.message ?? String(err);
        run.errors.push(`${init.method ?? 'GET'}: ${cause}`);
        throw err;
      });
      const location = res.headers.get('location');
      if (res.status === 201 && location) ids.push(location.slice(location.lastIndexOf('/') + 1));
      return res;
    });
    const old = current;
    try {
      await pollUntil(() => load.outcomes.length >= 200, { timeoutMs: 30_000, what: 'load' });
      current = await rollingRestart({
        balancer: members,
        instances: old,
        start: (port) => lb.spawn(port),
        log: (message) => run.steps.push(`${Date.now() - run.started} ms ${message}`),
      });
      // pattern:telemetry:begin
      // The load goes on until both replacements have served a good share of it.
      await pollUntil(async () => (await Promise.all(current.map(served))).every((n) => n >= 100), {
        timeoutMs: 30_000,
        what: 'both replacements to serve requests through nginx',
      });
      // pattern:telemetry:else
      // // The load goes on for 400 more requests, which nginx shares between the replacements.
      // const restarted = load.outcomes.length;
      // await pollUntil(() => load.outcomes.length >= restarted + 400, {
      //   timeoutMs: 30_000,
      //   what: 'the replacements to serve requests through nginx',
      // });
      // pattern:telemetry:end
    } finally {
      await load.stop();
    }
    const outcomes = load.outcomes;
    const failed = outcomes.filter((o) => o.status < 200 || o.status >= 300);
    const created = outcomes.filter((o) => o.status === 201).length;
    console.log(
      `${members === lb.balancer ? 'rolling restart' : 'restart without leaving nginx'}, ` +
        `2 instances, ${CLIENTS} clients: ${outcomes.length} requests in ` +
        `${Date.now() - run.started} ms, ${failed.length} failed, ` +
        `by status ${JSON.stringify(tally(outcomes))}, ${run.resent} sent again after nginx ` +
        `closed their keep-alive connection at a reload\n${run.steps.join('\n')}`,
    );
    const applied = (await documentCount(tenantId)) - before;
    return { ...run, old, outcomes, failed, created, applied };
  }

  it('replaces both instances under steady load through nginx without one failed request', async () => {
    const run = await restartUnderLoad(lb.balancer);

    expect({ failed: run.failed.length, errors: run.errors }).toEqual({ failed: 0, errors: [] });
    expect(run.outcomes.length).toBeGreaterThan(1000);
    // The old processes shut down cleanly; new processes took their places and served.
    expect(await Promise.all(run.old.map((i) => i.exit))).toEqual([0, 0]);
    expect(current.map((i) => i.port)).toEqual(run.old.map((i) => i.port));
    const oldPids = run.old.map((i) => i.process.pid);
    for (const i of current) expect(oldPids).not.toContain(i.process.pid);
    // Every create was applied exactly once: a request sent again had not been passed on.
    expect(run.applied).toBe(run.created);
  });

  it('fails requests when the instances are restarted without leaving nginx first', async () => {
    // nginx's passive checks alone: it learns of a stopped member from failed requests, and a
    // member it disabled stays disabled for fail_timeout, even once it is back.
    const run = await restartUnderLoad({ setMembers: async () => undefined });

    expect(run.failed.length).toBeGreaterThan(0);
    // Even so, each instance closed every connection nginx held and exited cleanly, in time.
    expect(await Promise.all(run.old.map((i) => i.exit))).toEqual([0, 0]);
  });
});

async function documentCount(tenantId: string): Promise<number> {
  const client = new Client({ connectionString: AppConfig.load().env.DATABASE_OWNER_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM documents WHERE tenant_id = $1',
      [tenantId],
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}
