import request from 'supertest';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { newTenant } from '../helpers/tenants';

/** Every class of client error is a 4xx problem+json: never a 500, never a stack trace. */
describe('bad input', () => {
  let api: Instance;
  let auth: { Authorization: string };
  let docUrl: string;

  beforeAll(async () => {
    [api] = await startInstances(1, {
      HTTP_BODY_LIMIT_BYTES: '65536',
      DOCUMENT_BODY_MAX_BYTES: '1024',
    });
    auth = { Authorization: `Bearer ${(await newTenant('bad-input')).key}` };
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 't', body: 'b' });
    docUrl = res.headers.location;
  });
  afterAll(() => stopAll([api]));

  function expectProblem(res: request.Response, status: number, type: string) {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: `/problems/${type}`, status });
    expect(typeof res.body.title).toBe('string');
    expect(res.text).not.toMatch(/at .+\.(js|ts):\d+/); // no stack frames
  }

  it('names each invalid field and why', async () => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: '', body: 42, tags: ['BAD TAG'] });
    expectProblem(res, 400, 'validation-failed');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['title', 'body', 'tags']));
    expect(res.body.errors.every((e: { reason: string }) => e.reason.length > 0)).toBe(true);
  });

  it('rejects a NUL character, which Postgres text cannot store', async () => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 't', body: 'a\u0000b' });
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body' })]);
  });

  it('rejects deeply nested JSON without walking it (no stack overflow)', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(`{"title":"t","body":"b","x":${deep}}`);
    expectProblem(res, 400, 'validation-failed');
  });

  it.each([
    ['constructor', 'validation-failed'],
    ['toString', 'validation-failed'],
    ['__proto__', 'malformed-body'], // Fastify's parser refuses prototype poisoning outright
  ])('rejects an unknown field named like an object member (%s)', async (name, type) => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(`{"title":"t","body":"b","${name}":{"x":1}}`);
    expectProblem(res, 400, type);
  });

  it('rejects text with a lone UTF-16 surrogate instead of storing U+FFFD', async () => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('{"title":"t","body":"a\\ud800b"}');
    expectProblem(res, 400, 'validation-failed');
  });

  it('rejects a URL with bad percent-encoding as a problem', async () => {
    const res = await request(api.url).get('/v1/documents/%ZZ').set(auth);
    expectProblem(res, 400, 'malformed-url');
  });

  it('rejects an over-long path parameter as a problem', async () => {
    const res = await request(api.url)
      .get(`/v1/documents/${'a'.repeat(200)}`)
      .set(auth);
    expectProblem(res, 414, 'uri-too-long');
  });

  it('rejects a missing required field', async () => {
    const res = await request(api.url).post('/v1/documents').set(auth).send({ title: 'no body' });
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'body' })]),
    );
  });

  it('rejects unknown fields instead of ignoring them', async () => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 't', body: 'b', colour: 'red' });
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'colour' })]);
  });

  it.each([
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"text"'],
    ['JSON null', 'null'],
  ])('rejects a body that is %s', async (_, raw) => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(raw);
    expectProblem(res, 400, 'validation-failed');
  });

  it('rejects malformed JSON', async () => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('{"title": ');
    expectProblem(res, 400, 'malformed-body');
  });

  it('rejects an empty JSON body where a document is needed, as a missing body', async () => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('');
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors).toEqual([
      { field: '(body)', reason: 'is missing: send a JSON object' },
    ]);
  });

  it.each(['application/json', 'application/merge-patch+json'])(
    'accepts a DELETE with Content-Type %s and an empty body',
    async (type) => {
      const created = await request(api.url)
        .post('/v1/documents')
        .set(auth)
        .send({ title: 'to delete', body: 'b' })
        .expect(201);
      await request(api.url)
        .delete(`/v1/documents/${created.body.id}`)
        .set(auth)
        .set('Content-Type', type)
        .send('')
        .expect(204);
      await request(api.url).get(`/v1/documents/${created.body.id}`).set(auth).expect(404);
    },
  );

  it('still refuses a DELETE whose JSON body is malformed', async () => {
    const created = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 'kept', body: 'b' })
      .expect(201);
    const res = await request(api.url)
      .delete(`/v1/documents/${created.body.id}`)
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('{"x": ');
    expectProblem(res, 400, 'malformed-body');
    await request(api.url).get(`/v1/documents/${created.body.id}`).set(auth).expect(200);
  });

  it('rejects a wrong content type with 415', async () => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .set('Content-Type', 'text/plain')
      .send('title=x');
    expectProblem(res, 415, 'unsupported-media-type');
  });

  it('rejects a request body over the limit with 413', async () => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 't', body: 'x'.repeat(70_000) });
    expectProblem(res, 413, 'payload-too-large');
    expect(res.body.detail).toContain('65536');
  });

  it('rejects a document body over DOCUMENT_BODY_MAX_BYTES, counting UTF-8 bytes', async () => {
    const res = await request(api.url)
      .post('/v1/documents')
      .set(auth)
      .send({ title: 't', body: 'é'.repeat(513) });
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body' })]);
  });

  it('rejects an id that is not a UUID', async () => {
    const res = await request(api.url).get('/v1/documents/not-a-uuid').set(auth);
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
  });

  it('answers 401 with WWW-Authenticate when the key is missing', async () => {
    const res = await request(api.url).get('/v1/documents');
    expectProblem(res, 401, 'missing-api-key');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it.each([
    ['an unknown key', 'Bearer dsk_' + 'A'.repeat(43)],
    ['a malformed key', 'Bearer nope'],
    ['an empty bearer', 'Bearer '],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
  ])('answers 401 for %s', async (_, header) => {
    const res = await request(api.url).get('/v1/documents').set('Authorization', header);
    expectProblem(res, 401, 'invalid-api-key');
  });

  it('answers 404 problem for an unknown route', async () => {
    const res = await request(api.url).get('/v1/nothing-here').set(auth);
    expectProblem(res, 404, 'not-found');
  });

  it('rejects a malformed If-Match', async () => {
    const res = await request(api.url)
      .patch(docUrl)
      .set(auth)
      .set('If-Match', 'version-1')
      .send({ body: 'x' });
    expectProblem(res, 400, 'invalid-precondition');
  });

  it('rejects null for a PATCH field instead of ignoring it', async () => {
    const res = await request(api.url).patch(docUrl).set(auth).send({ title: null });
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'title' })]);
  });

  it('rejects a PATCH that changes nothing', async () => {
    const res = await request(api.url).patch(docUrl).set(auth).send({});
    expectProblem(res, 400, 'validation-failed');
  });

  it.each([
    ['a forged cursor', { cursor: 'bm90LWEtY3Vyc29y' }, 'invalid-cursor'],
    [
      'a cursor with an impossible date',
      {
        cursor: Buffer.from(
          JSON.stringify(['2024-13-40T25:00:00.000000Z', '00000000-0000-4000-8000-000000000000']),
        ).toString('base64url'),
      },
      'invalid-cursor',
    ],
    ['a limit out of range', { limit: '1000' }, 'validation-failed'],
    ['a non-numeric limit', { limit: 'ten' }, 'validation-failed'],
    ['an unknown query parameter', { colour: 'red' }, 'validation-failed'],
    ['a query parameter named like an object member', { toString: '1' }, 'validation-failed'],
    ['a repeated limit', 'limit=1&limit=2', 'validation-failed'],
    [
      'a cursor in year 0000',
      {
        cursor: Buffer.from(
          JSON.stringify(['0000-01-01T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000']),
        ).toString('base64url'),
      },
      'invalid-cursor',
    ],
    ['an invalid tag filter', { tag: 'NOT VALID' }, 'validation-failed'],
  ])('rejects %s in a listing', async (_, query, type) => {
    const res = await request(api.url).get('/v1/documents').set(auth).query(query);
    expectProblem(res, 400, type);
  });

  it('has logged no server error for any of it', () => {
    expect(api.output()).not.toMatch(/"level":50|ERROR/);
  });
});
