/**
 * The edge (nginx with docker/nginx/docscale.conf, as the demo and compose run it): the operator
 * plane and the probes are not routed (404 problem+json from nginx itself, whatever the key), and
 * nginx's own refusals (a body over client_max_body_size, no member to take the request) are
 * problem+json with the API's types, whose pages the API serves.
 */
import { request as httpRequest } from 'node:http';
import { freePort } from '../../scripts/processes/node-process';
import { Balancer } from '../../scripts/balancer';
import { BalancedInstances, startBalancedInstances } from '../helpers/balancer';
import { newTenant } from '../helpers/tenants';

jest.setTimeout(60_000);

const ADMIN_KEY = 'admin-key-for-the-edge-suite';

/** `res`'s body as a problem, after checking the media type. */
async function problemOf(res: Response): Promise<Record<string, unknown>> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as Record<string, unknown>;
}

describe('the edge (nginx)', () => {
  let lb: BalancedInstances;
  let auth: Record<string, string>;

  beforeAll(async () => {
    lb = await startBalancedInstances(1, { ADMIN_API_KEY: ADMIN_KEY });
    auth = { Authorization: `Bearer ${(await newTenant('edge')).key}` };
  });
  afterAll(async () => {
    await lb?.stop();
  });

  it.each([
    '/v1/admin/toggles',
    '/v1/admin',
    '/metrics',
    '/health/ready',
    '/health/live',
    '/v1/%61dmin/toggles',
    '//metrics',
  ])('answers %s with a 404 problem of its own, even with the admin key', async (path) => {
    const res = await fetch(`${lb.balancer.url}${path}`, {
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
    });

    expect(res.status).toBe(404);
    expect(await problemOf(res)).toEqual({
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No such route.',
    });
  });

  it('does not pass a toggle change on to the instances', async () => {
    const res = await fetch(`${lb.balancer.url}/v1/admin/toggles`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ RATE_LIMIT: false }),
    });
    expect(res.status).toBe(404);
    const toggles = await fetch(`${lb.instances[0].adminUrl}/v1/admin/toggles`, {
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
    });
    const { toggles: states } = (await toggles.json()) as { toggles: { source: string }[] };
    expect(states.filter((t) => t.source === 'runtime')).toEqual([]);
  });

  it('still routes the API', async () => {
    const res = await fetch(`${lb.balancer.url}/v1/documents?limit=1`, { headers: auth });
    expect(res.status).toBe(200);
  });

  it('answers a body over client_max_body_size with a 413 problem', async () => {
    const body = JSON.stringify({ title: 'big', body: 'x'.repeat(4 * 1024 * 1024) });
    const { status, headers, text } = await post(`${lb.balancer.url}/v1/documents`, body, auth);

    expect(status).toBe(413);
    expect(headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(text)).toMatchObject({ type: '/problems/payload-too-large', status: 413 });
  });

  it('serves the pages of its own problem types through the API', async () => {
    for (const slug of ['upstream-unavailable', 'upstream-timeout', 'payload-too-large']) {
      const res = await fetch(`${lb.balancer.url}/problems/${slug}`);
      expect({ slug, status: res.status }).toEqual({ slug, status: 200 });
    }
  });
});

describe('the edge (nginx) with no member up', () => {
  let balancer: Balancer;

  beforeAll(async () => {
    // Members nothing listens on: every connection is refused.
    balancer = await new Balancer({ members: [await freePort(), await freePort()] }).start();
  });
  afterAll(async () => {
    await balancer?.stop();
  });

  it('answers a 502 problem with Retry-After', async () => {
    const res = await fetch(`${balancer.url}/v1/documents`);

    expect(res.status).toBe(502);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await problemOf(res)).toMatchObject({
      type: '/problems/upstream-unavailable',
      status: 502,
      retryAfterSeconds: 1,
    });
  });
});

/**
 * A POST whose answer is read even if nginx answers before taking the whole body (fetch may
 * report the early answer as a failed upload instead).
 */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    // A write cut short once nginx has answered and closed is expected here.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    req.end(body);
  });
}
