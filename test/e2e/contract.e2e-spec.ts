/**
 * The API contract, end to end: the document an instance serves is the committed one, the typed
 * client generated from it (scripts/api-client) drives the API, and every problem `type` URI
 * resolves against the API to a page. Every response here (as in every e2e file) is also checked
 * against the document by the instance itself (test/helpers/contract.ts).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient, type ApiClient } from '../../scripts/api-client/client';
import { loadProblemTypes } from '../../src/problems/problem-types.controller';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { newTenant } from '../helpers/tenants';

const ROOT = join(__dirname, '../..');

describe('the API contract', () => {
  let api: Instance;
  let client: ApiClient;
  let key: string;

  beforeAll(async () => {
    // A queue of its own: the default one holds whatever other files queued with no worker
    // running, and an export is refused once that backlog is at QUEUE_MAX_DEPTH.
    [api] = await startInstances(1, { QUEUE_PREFIX: `docscale:test-contract:${randomUUID()}` });
    ({ key } = await newTenant('contract'));
    client = apiClient(api.url, key);
  });
  afterAll(() => stopAll([api]));

  it('serves at /docs-json the document committed as docs/openapi.json', async () => {
    const served: unknown = await (await fetch(`${api.url}/docs-json`)).json();
    expect(served).toEqual(JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8')));
  });

  it('creates, reads, conditionally reads and patches a document through the typed client', async () => {
    const created = await client.POST('/v1/documents', {
      body: { title: 'Contract', body: 'Typed', tags: ['api'] },
    });
    expect(created.response.status).toBe(201);
    const doc = created.data!;
    expect(created.response.headers.get('location')).toBe(`/v1/documents/${doc.id}`);
    const token = created.response.headers.get('x-consistency-token')!;
    expect(token).toEqual(expect.any(String));

    const path = { id: doc.id };
    const read = await client.GET('/v1/documents/{id}', {
      params: { path, header: { 'X-Consistency-Token': token } },
    });
    expect(read.data).toEqual(doc);
    const etag = read.response.headers.get('etag')!;
    expect(etag).toBe('"1"');

    const unchanged = await client.GET('/v1/documents/{id}', {
      params: { path, header: { 'If-None-Match': etag } },
    });
    expect(unchanged.response.status).toBe(304);

    const patched = await client.PATCH('/v1/documents/{id}', {
      params: { path, header: { 'If-Match': etag } },
      body: { title: 'Contract, patched' },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.data).toMatchObject({ id: doc.id, title: 'Contract, patched', version: 2 });

    const stale = await client.PATCH('/v1/documents/{id}', {
      params: { path, header: { 'If-Match': etag } },
      body: { title: 'lost update' },
    });
    expect(stale.response.status).toBe(412);
    expect(stale.error).toMatchObject({ type: '/problems/version-mismatch', status: 412 });
  });

  it('answers an export with 202 Accepted, the job and its Location, as documented', async () => {
    const { data: doc } = await client.POST('/v1/documents', { body: { title: 'E', body: 'x' } });
    const exported = await client.POST('/v1/documents/{id}/exports', {
      params: { path: { id: doc!.id } },
    });
    expect(exported.response.status).toBe(202);
    expect(exported.data).toMatchObject({ name: 'export', documentId: doc!.id, version: 1 });
    expect(exported.response.headers.get('location')).toBe(exported.data!.links.self);
    const job = await client.GET('/v1/jobs/{id}', { params: { path: { id: exported.data!.id } } });
    expect(job.data).toMatchObject({ id: exported.data!.id, name: 'export' });

    // It takes no body: one sent is refused, not ignored (the typed client cannot send one).
    const withBody = await fetch(`${api.url}/v1/documents/${doc!.id}/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'pdf' }),
    });
    expect(withBody.status).toBe(400);
    expect(await withBody.json()).toMatchObject({
      type: '/problems/validation-failed',
      errors: [{ field: '(body)', reason: 'this operation takes no body' }],
    });
  });

  it('gives problems whose type URIs resolve against the API, for every documented type', async () => {
    const missing = await client.GET('/v1/documents/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(missing.error).toMatchObject({ type: '/problems/not-found', status: 404 });
    const types = loadProblemTypes(ROOT);
    expect(types.size).toBeGreaterThan(20);
    for (const slug of types.keys()) {
      const page = await fetch(new URL(`/problems/${slug}`, api.url));
      expect({ slug, status: page.status }).toEqual({ slug, status: 200 });
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain(`<code>/problems/${slug}</code>`);
    }
    const unknown = await fetch(new URL('/problems/no-such-thing', api.url));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
