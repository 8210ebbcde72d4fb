import request from 'supertest';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { newTenant } from '../helpers/tenants';

describe('tenant isolation', () => {
  let api: Instance;
  let alice: { Authorization: string };
  let bob: { Authorization: string };
  let aliceDoc: { id: string };

  beforeAll(async () => {
    [api] = await startInstances(1);
    alice = { Authorization: `Bearer ${(await newTenant('alice')).key}` };
    bob = { Authorization: `Bearer ${(await newTenant('bob')).key}` };
    const res = await request(api.url)
      .post('/v1/documents')
      .set(alice)
      .send({ title: 'secret', body: 'alice only', tags: ['private'] })
      .expect(201);
    aliceDoc = res.body;
  });
  afterAll(() => stopAll([api]));

  const url = () => `/v1/documents/${aliceDoc.id}`;

  it('answers 404, not 403, when another tenant reads a document', async () => {
    const res = await request(api.url).get(url()).set(bob).expect(404);
    expect(res.body).toMatchObject({ type: '/problems/not-found' });
    expect(JSON.stringify(res.body)).not.toContain('alice only');
  });

  it("does not list another tenant's documents, even by tag", async () => {
    const res = await request(api.url)
      .get('/v1/documents')
      .set(bob)
      .query({ tag: 'private' })
      .expect(200);
    expect(res.body.items).toEqual([]);
  });

  it("cannot update another tenant's document with PUT or PATCH", async () => {
    await request(api.url).put(url()).set(bob).send({ title: 'x', body: 'pwned' }).expect(404);
    await request(api.url)
      .patch(url())
      .set(bob)
      .set('If-Match', '*')
      .send({ body: 'pwned' })
      .expect(404);
    const res = await request(api.url).get(url()).set(alice).expect(200);
    expect(res.body).toMatchObject({ body: 'alice only', version: 1 });
  });

  it("cannot delete another tenant's document", async () => {
    await request(api.url).delete(url()).set(bob).expect(404);
    await request(api.url).get(url()).set(alice).expect(200);
  });

  it('does not let a guessed cursor from another tenant reveal anything', async () => {
    const page = await request(api.url)
      .get('/v1/documents')
      .set(alice)
      .query({ limit: 1 })
      .expect(200);
    const cursor = Buffer.from(
      JSON.stringify(['2999-01-01T00:00:00.000000Z', aliceDoc.id]),
    ).toString('base64url');
    const res = await request(api.url).get('/v1/documents').set(bob).query({ cursor }).expect(200);
    expect(page.body.items).toHaveLength(1);
    expect(res.body.items).toEqual([]);
  });
});
