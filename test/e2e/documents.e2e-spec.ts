import request from 'supertest';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { newTenant } from '../helpers/tenants';

describe('documents API', () => {
  let api: Instance;
  let auth: { Authorization: string };

  beforeAll(async () => {
    [api] = await startInstances(1);
    const { key } = await newTenant('documents');
    auth = { Authorization: `Bearer ${key}` };
  });
  afterAll(() => stopAll([api]));

  const create = (body: object) =>
    request(api.url).post('/v1/documents').set(auth).send(body).expect(201);

  it('creates a document with 201, Location and ETag, and reads it back', async () => {
    const res = await create({ title: 'Hello', body: 'World', tags: ['ops'] });
    expect(res.headers.location).toBe(`/v1/documents/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({ title: 'Hello', body: 'World', tags: ['ops'], version: 1 });
    expect(res.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    const read = await request(api.url).get(res.headers.location).set(auth).expect(200);
    expect(read.body).toEqual(res.body);
    expect(read.headers.etag).toBe('"1"');
  });

  it('answers cached reads with the bytes and headers Fastify serialized for the write, non-ASCII text included', async () => {
    const created = await create({
      title: 'Naïve café',
      body: 'Ünïcödé — 🚀 "quoted"\n',
      tags: [],
    });
    const url = created.headers.location;

    // The first read fills the cache; the next ones are answered from its bytes (L1).
    for (let i = 0; i < 3; i++) {
      const read = await request(api.url).get(url).set(auth).expect(200);
      expect(read.text).toBe(created.text);
      expect(read.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(read.headers['content-length'])).toBe(Buffer.byteLength(created.text));
      expect(read.headers.etag).toBe('"1"');
    }
  });

  it('accepts the key as X-Api-Key too', async () => {
    const key = auth.Authorization.slice('Bearer '.length);
    await request(api.url).get('/v1/documents').set('X-Api-Key', key).expect(200);
  });

  it('answers 304 to If-None-Match with the current ETag, and 200 after a change', async () => {
    const { body: doc } = await create({ title: 't', body: 'b' });
    const url = `/v1/documents/${doc.id}`;
    const notModified = await request(api.url).get(url).set(auth).set('If-None-Match', '"1"');
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    await request(api.url).patch(url).set(auth).send({ title: 't2' }).expect(200);
    const changed = await request(api.url).get(url).set(auth).set('If-None-Match', '"1"');
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe('"2"');
  });

  it('replaces with PUT, bumping the version, and drops omitted tags', async () => {
    const { body: doc } = await create({ title: 'a', body: 'b', tags: ['x1'] });
    const res = await request(api.url)
      .put(`/v1/documents/${doc.id}`)
      .set(auth)
      .set('If-Match', '"1"')
      .send({ title: 'A', body: 'B' })
      .expect(200);
    expect(res.body).toMatchObject({ title: 'A', body: 'B', tags: [], version: 2 });
    expect(res.headers.etag).toBe('"2"');
  });

  it('patches only the fields sent, also as application/merge-patch+json', async () => {
    const { body: doc } = await create({ title: 'a', body: 'keep', tags: ['t1'] });
    const res = await request(api.url)
      .patch(`/v1/documents/${doc.id}`)
      .set(auth)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ tags: ['t2', 't3'] }))
      .expect(200);
    expect(res.body).toMatchObject({ title: 'a', body: 'keep', tags: ['t2', 't3'], version: 2 });
  });

  it('refuses a stale If-Match with 412 naming the current version', async () => {
    const { body: doc } = await create({ title: 'a', body: 'b' });
    const url = `/v1/documents/${doc.id}`;
    await request(api.url)
      .patch(url)
      .set(auth)
      .set('If-Match', '"1"')
      .send({ body: 'v2' })
      .expect(200);
    const stale = await request(api.url)
      .patch(url)
      .set(auth)
      .set('If-Match', '"1"')
      .send({ body: 'lost' });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    expect(stale.body).toMatchObject({
      type: '/problems/version-mismatch',
      status: 412,
      currentVersion: 2,
    });
    const current = await request(api.url).get(url).set(auth).expect(200);
    expect(current.body.body).toBe('v2');
  });

  it('lets exactly one of many concurrent updates with the same If-Match win', async () => {
    const { body: doc } = await create({ title: 'race', body: '0' });
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        request(api.url)
          .put(`/v1/documents/${doc.id}`)
          .set(auth)
          .set('If-Match', '"1"')
          .send({ title: 'race', body: `writer ${i}` }),
      ),
    );
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(9);
    const winner = attempts.find((r) => r.status === 200)!;
    const final = await request(api.url).get(`/v1/documents/${doc.id}`).set(auth).expect(200);
    expect(final.body).toMatchObject({ version: 2, body: winner.body.body });
  });

  it('accepts If-Match: * and a list of tags', async () => {
    const { body: doc } = await create({ title: 'a', body: 'b' });
    const url = `/v1/documents/${doc.id}`;
    await request(api.url)
      .patch(url)
      .set(auth)
      .set('If-Match', '*')
      .send({ body: 'c' })
      .expect(200);
    await request(api.url)
      .patch(url)
      .set(auth)
      .set('If-Match', '"9", "2"')
      .send({ body: 'd' })
      .expect(200);
  });

  it('deletes with 204, then reads 404 problem, and a second delete is 404', async () => {
    const { body: doc } = await create({ title: 'bye', body: 'x' });
    const url = `/v1/documents/${doc.id}`;
    await request(api.url).delete(url).set(auth).set('If-Match', '"1"').expect(204);
    const gone = await request(api.url).get(url).set(auth).expect(404);
    expect(gone.body).toMatchObject({ type: '/problems/not-found', status: 404 });
    await request(api.url).delete(url).set(auth).expect(404);
  });

  it('refuses a delete with a stale If-Match and keeps the document', async () => {
    const { body: doc } = await create({ title: 'keep', body: 'x' });
    const url = `/v1/documents/${doc.id}`;
    await request(api.url).delete(url).set(auth).set('If-Match', '"7"').expect(412);
    await request(api.url).get(url).set(auth).expect(200);
  });
});
