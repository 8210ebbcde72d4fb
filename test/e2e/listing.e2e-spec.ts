import request from 'supertest';
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { newTenant } from '../helpers/tenants';

describe('document listing', () => {
  let api: Instance;
  let auth: { Authorization: string };

  beforeAll(async () => {
    [api] = await startInstances(1);
    const { key } = await newTenant('listing');
    auth = { Authorization: `Bearer ${key}` };
  });
  afterAll(() => stopAll([api]));

  const create = (title: string, tags: string[] = []) =>
    request(api.url).post('/v1/documents').set(auth).send({ title, body: 'b', tags }).expect(201);

  async function walk(query: Record<string, string | number>): Promise<{ id: string }[][]> {
    const pages: { id: string }[][] = [];
    let cursor: string | null | undefined;
    do {
      const res = await request(api.url)
        .get('/v1/documents')
        .set(auth)
        .query({ ...query, ...(cursor ? { cursor } : {}) })
        .expect(200);
      pages.push(res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return pages;
  }

  it('pages newest first without the body, and filters by tag', async () => {
    for (let i = 0; i < 7; i++) await create(`doc ${i}`, i % 2 ? ['odd'] : ['even']);
    const pages = await walk({ limit: 3 });
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const titles = pages.flat().map((d) => (d as unknown as { title: string }).title);
    expect(titles).toEqual(['doc 6', 'doc 5', 'doc 4', 'doc 3', 'doc 2', 'doc 1', 'doc 0']);
    expect(pages[0][0]).not.toHaveProperty('body');

    const odd = (await walk({ tag: 'odd', limit: 2 })).flat();
    expect(odd.map((d) => (d as unknown as { title: string }).title)).toEqual([
      'doc 5',
      'doc 3',
      'doc 1',
    ]);
  });

  it('neither repeats nor skips existing documents while others are inserted', async () => {
    const { key } = await newTenant('listing-stable');
    const own = { Authorization: `Bearer ${key}` };
    const existing = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await request(api.url)
        .post('/v1/documents')
        .set(own)
        .send({ title: `e${i}`, body: 'b' });
      existing.add(res.body.id);
    }
    let inserting = true;
    const inserter = (async () => {
      let n = 0;
      while (inserting) {
        await request(api.url)
          .post('/v1/documents')
          .set(own)
          .send({ title: `new${n++}`, body: 'b' });
      }
      return n;
    })();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(api.url)
        .get('/v1/documents')
        .set(own)
        .query({ limit: 5, ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...res.body.items.map((d: { id: string }) => d.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    inserting = false;
    const insertedMeanwhile = await inserter;

    expect(insertedMeanwhile).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length); // no repeats
    for (const id of existing) expect(seen).toContain(id); // no skips
  });

  it('returns an empty page for a tenant with no documents', async () => {
    const { key } = await newTenant('listing-empty');
    const res = await request(api.url).get('/v1/documents').set('X-Api-Key', key).expect(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });
});
