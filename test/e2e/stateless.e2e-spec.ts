import request from 'supertest';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { newTenant } from '../helpers/tenants';

/** Any instance serves any request: what one instance wrote, another reads and updates. */
describe('stateless handlers across two instances', () => {
  let a: Instance;
  let b: Instance;
  let auth: { Authorization: string };

  beforeAll(async () => {
    [a, b] = await startInstances(2);
    auth = { Authorization: `Bearer ${(await newTenant('stateless')).key}` };
  });
  afterAll(() => stopAll([a, b]));

  it('reads through B what was written through A, with the same ETag', async () => {
    const created = await request(a.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 'a', body: 'b' })
      .expect(201);
    const read = await request(b.url).get(created.headers.location).set(auth).expect(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.etag).toBe(created.headers.etag);
  });

  it('applies through B an update conditioned on A’s ETag, and refuses the stale one on A', async () => {
    const created = await request(a.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 'a', body: 'v1' })
      .expect(201);
    const url = created.headers.location;
    await request(b.url)
      .patch(url)
      .set(auth)
      .set('If-Match', created.headers.etag)
      .send({ body: 'v2' })
      .expect(200);
    await request(a.url)
      .patch(url)
      .set(auth)
      .set('If-Match', created.headers.etag)
      .send({ body: 'lost' })
      .expect(412);
    const final = await request(a.url).get(url).set(auth).expect(200);
    expect(final.body).toMatchObject({ body: 'v2', version: 2 });
  });

  it('pages through B with a cursor issued by A', async () => {
    for (let i = 0; i < 3; i++) {
      await request(a.url)
        .post('/v1/documents')
        .set(auth)
        .send({ title: `p${i}`, body: 'b' });
    }
    const first = await request(a.url).get('/v1/documents').set(auth).query({ limit: 2 });
    const second = await request(b.url)
      .get('/v1/documents')
      .set(auth)
      .query({ limit: 2, cursor: first.body.nextCursor })
      .expect(200);
    const ids = [...first.body.items, ...second.body.items].map((d: { id: string }) => d.id);
    expect(new Set(ids).size).toBe(4);
  });
});
