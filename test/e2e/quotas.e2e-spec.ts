/**
 * Per-tenant quotas on documents (count and bytes) and the retention of export artifacts, against
 * a real API process and the real primary.
 */
import request from 'supertest';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { closePrimary, primary } from '../helpers/jobs';
import { newTenant } from '../helpers/tenants';

jest.setTimeout(60_000);

const DOCUMENTS = 3;
const BYTES = 1000;
const PROBLEM = /^application\/problem\+json/;

type Headers = { Authorization: string };

async function tenant(label: string): Promise<{ id: string; headers: Headers }> {
  const { tenantId, key } = await newTenant(label);
  return { id: tenantId, headers: { Authorization: `Bearer ${key}` } };
}

/** The tenant's counter row, as the trigger keeps it. */
async function usage(tenantId: string): Promise<{ documents: number; bytes: number }> {
  const { rows } = await primary().query<{ documents: string; bytes: string }>(
    `SELECT documents, bytes FROM tenant_usage WHERE tenant_id = $1`,
    [tenantId],
  );
  return { documents: Number(rows[0]?.documents ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}

describe('tenant quotas', () => {
  let api: Instance;

  beforeAll(async () => {
    [api] = await startInstances(1, {
      TENANT_QUOTA_DOCUMENTS: String(DOCUMENTS),
      TENANT_QUOTA_BYTES: String(BYTES),
    });
  });
  afterAll(async () => {
    await stopAll([api]);
    await closePrimary();
  });

  const create = (headers: Headers, body = 'text', title = 't') =>
    request(api.url).post('/v1/documents').set(headers).send({ title, body });

  it('refuses the create past TENANT_QUOTA_DOCUMENTS with a 403 problem naming the quota, its limit and the usage', async () => {
    const t = await tenant('quota-count');
    for (let i = 0; i < DOCUMENTS; i++) await create(t.headers).expect(201);

    const res = await create(t.headers);

    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({
      type: '/problems/quota-exceeded',
      status: 403,
      quota: 'documents',
      limit: DOCUMENTS,
      usage: DOCUMENTS,
    });
    const listed = await request(api.url).get('/v1/documents').set(t.headers).expect(200);
    expect(listed.body.items).toHaveLength(DOCUMENTS);
  });

  it('frees quota when a document is deleted', async () => {
    const t = await tenant('quota-free');
    const ids: string[] = [];
    for (let i = 0; i < DOCUMENTS; i++) ids.push((await create(t.headers).expect(201)).body.id);
    await create(t.headers).expect(403);

    await request(api.url).delete(`/v1/documents/${ids[0]}`).set(t.headers).expect(204);

    await create(t.headers).expect(201);
    expect((await usage(t.id)).documents).toBe(DOCUMENTS);
  });

  it('lets exactly the quota of many concurrent creates succeed, never more', async () => {
    const t = await tenant('quota-race');

    const statuses = await Promise.all(
      Array.from({ length: 12 }, async () => (await create(t.headers)).status),
    );

    expect(statuses.filter((s) => s === 201)).toHaveLength(DOCUMENTS);
    expect(statuses.filter((s) => s === 403)).toHaveLength(12 - DOCUMENTS);
    const { rows } = await primary().query<{ n: string }>(
      `SELECT count(*) AS n FROM documents WHERE tenant_id = $1`,
      [t.id],
    );
    expect(Number(rows[0].n)).toBe(DOCUMENTS);
    expect((await usage(t.id)).documents).toBe(DOCUMENTS);
  });

  it('refuses a patch or a replace that grows the tenant past TENANT_QUOTA_BYTES, and accepts one that shrinks it', async () => {
    const t = await tenant('quota-bytes');
    const doc = (await create(t.headers, 'x'.repeat(600)).expect(201)).body;
    const url = `/v1/documents/${doc.id}`;

    const patched = await request(api.url)
      .patch(url)
      .set(t.headers)
      .send({ body: 'x'.repeat(1200) });
    const replaced = await request(api.url)
      .put(url)
      .set(t.headers)
      .send({ title: 't', body: 'x'.repeat(1200) });

    for (const res of [patched, replaced]) {
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        type: '/problems/quota-exceeded',
        quota: 'bytes',
        limit: BYTES,
        usage: 601,
      });
    }
    await request(api.url).patch(url).set(t.headers).send({ body: 'short' }).expect(200);
    expect(await usage(t.id)).toEqual({ documents: 1, bytes: 6 });
  });

  it("applies a tenant's own limit, set in its tenant_usage row, over the configured one", async () => {
    const t = await tenant('quota-own');
    await primary().query(
      `INSERT INTO tenant_usage (tenant_id, documents_limit) VALUES ($1, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET documents_limit = 1`,
      [t.id],
    );
    await create(t.headers).expect(201);

    const res = await create(t.headers);

    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ quota: 'documents', limit: 1, usage: 1 });
  });

  it('refuses a create whose bytes alone are past TENANT_QUOTA_BYTES', async () => {
    const t = await tenant('quota-big');

    const res = await create(t.headers, 'x'.repeat(BYTES + 1));

    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ quota: 'bytes', limit: BYTES, usage: 0 });
  });
});

// pattern:queue:begin
describe('export retention', () => {
  const KEEP = 2;
  let api: Instance;

  beforeAll(async () => {
    // Exports rendered in the request: each is stored (and the retention applied) before its 201.
    [api] = await startInstances(1, { QUEUE: 'off', EXPORT_RETENTION_PER_DOCUMENT: String(KEEP) });
  });
  afterAll(async () => {
    await stopAll([api]);
    await closePrimary();
  });

  it('keeps the newest EXPORT_RETENTION_PER_DOCUMENT artifacts of a document and deletes older ones', async () => {
    const t = await tenant('retention');
    const doc = (
      await request(api.url)
        .post('/v1/documents')
        .set(t.headers)
        .send({ title: 'r', body: 'v1' })
        .expect(201)
    ).body;
    const artifacts: string[] = [];
    for (let version = 1; version <= 3; version++) {
      if (version > 1)
        await request(api.url)
          .patch(`/v1/documents/${doc.id}`)
          .set(t.headers)
          .send({ body: `v${version}` })
          .expect(200);
      const res = await request(api.url)
        .post(`/v1/documents/${doc.id}/exports`)
        .set(t.headers)
        .expect(201);
      artifacts.push(res.body.links.artifact);
    }

    const statuses = await Promise.all(
      artifacts.map(async (link) => (await request(api.url).get(link).set(t.headers)).status),
    );

    expect(statuses).toEqual([404, 200, 200]);
    const { rows } = await primary().query<{ version: number }>(
      `SELECT version FROM document_exports WHERE document_id = $1 ORDER BY version`,
      [doc.id],
    );
    expect(rows.map((r) => r.version)).toEqual([2, 3]);
  });
});
// pattern:queue:end
