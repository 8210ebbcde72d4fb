import Fastify, { type FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  registerContractCheck,
  type ContractCheckTarget,
  type ContractViolation,
} from './contract-check';

// Through a $ref, as the served document has it.
const problem = {
  'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
};

const document = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  components: {
    schemas: {
      Problem: {
        type: 'object',
        required: ['type', 'status'],
        properties: { type: { type: 'string' }, status: { type: 'integer' } },
      },
    },
  },
  paths: {
    '/things/{id}': {
      get: {
        operationId: 'getThing',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: {
            description: 'ok',
            headers: {
              ETag: { required: true, schema: { type: 'string' } },
              'RateLimit-Limit': { required: false, schema: { type: 'integer' } },
            },
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id', 'size'],
                  properties: { id: { type: 'string', format: 'uuid' }, size: { type: 'integer' } },
                },
              },
            },
          },
          304: { description: 'not modified' },
          404: { description: 'problem', content: problem },
        },
      },
    },
  },
} as unknown as OpenAPIObject;

const ID = '3f1c7a52-8d0e-4a5b-9c61-2b7e4f0d9a13';

describe('registerContractCheck', () => {
  let app: FastifyInstance;
  let file: string;
  /** What the route answers next: status, headers, body. */
  let next: { status: number; headers?: Record<string, string>; body?: unknown; type?: string };

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'contract-')), 'violations.jsonl');
    app = Fastify();
    await registerContractCheck(app as unknown as ContractCheckTarget, document, file);
    app.get('/things/:id', async (_req, reply) => {
      reply.status(next.status).headers(next.headers ?? {});
      if (next.type) reply.type(next.type);
      return next.body === undefined ? reply.send() : reply.send(next.body);
    });
    app.get('/undocumented', async () => ({ anything: true }));
    app.get('/things/:id/', async (_req, reply) => reply.status(next.status).send());
  });

  afterAll(() => app.close());

  const violationsOf = async (answer: typeof next, url = `/things/${ID}`) => {
    const before = readLines().length;
    next = answer;
    await app.inject({ method: 'GET', url });
    return readLines().slice(before);
  };
  const readLines = (): ContractViolation[] => {
    try {
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ContractViolation);
    } catch {
      return [];
    }
  };

  it('passes a response the document describes', async () => {
    expect(
      await violationsOf({ status: 200, headers: { etag: '"1"' }, body: { id: ID, size: 3 } }),
    ).toEqual([]);
    expect(await violationsOf({ status: 304 })).toEqual([]);
    expect(
      await violationsOf({
        status: 404,
        type: 'application/problem+json',
        body: { type: '/p', status: 404 },
      }),
    ).toEqual([]);
  });

  it('records an undocumented status, with the operation and the URL', async () => {
    const [v, ...rest] = await violationsOf({ status: 409, body: { id: ID, size: 1 } });
    expect(rest).toEqual([]);
    expect(v).toMatchObject({
      method: 'GET',
      url: `/things/${ID}`,
      status: 409,
      operationId: 'getThing',
    });
    expect(v.problems).toEqual(['status 409 is not documented']);
  });

  it('records a body that does not match its schema (types, required members, formats)', async () => {
    const [v] = await violationsOf({
      status: 200,
      headers: { etag: '"1"' },
      body: { id: 'not-a-uuid', size: 'big' },
    });
    expect(v.problems.join('\n')).toMatch(/body\/id must match format "uuid"/);
    expect(v.problems.join('\n')).toMatch(/body\/size must be integer/);
    const [missing] = await violationsOf({
      status: 200,
      headers: { etag: '"1"' },
      body: { id: ID },
    });
    expect(missing.problems.join('\n')).toMatch(/must have required property 'size'/);
  });

  it('validates problem+json bodies, and refuses a problem sent as another media type', async () => {
    const [bad] = await violationsOf({
      status: 404,
      type: 'application/problem+json',
      body: { type: 1 },
    });
    expect(bad.problems.join('\n')).toMatch(/must have required property 'status'/);
    const [wrongType] = await violationsOf({ status: 404, body: { type: '/p', status: 404 } });
    expect(wrongType.problems).toEqual([
      'content type application/json is not one of application/problem+json',
    ]);
  });

  it('records a body where none is documented, and none where one is', async () => {
    const [v] = await violationsOf({
      status: 304,
      headers: {},
      body: 'surprise',
      type: 'text/plain',
    });
    expect(v.problems).toContain('a body where none is documented');
    const [w] = await violationsOf({ status: 200, headers: { etag: '"1"' } });
    expect(w.problems).toContain('no body where one is documented');
  });

  it('records an API header sent where the document does not describe it', async () => {
    const [v] = await violationsOf({
      status: 404,
      type: 'application/problem+json',
      headers: { etag: '"1"', 'retry-after': '1' },
      body: { type: '/p', status: 404 },
    });
    expect(v.problems).toEqual([
      'header etag is sent but not documented for 404',
      'header retry-after is sent but not documented for 404',
    ]);
  });

  it('records a header documented as always sent that is missing, or of the wrong type', async () => {
    const [v] = await violationsOf({ status: 200, body: { id: ID, size: 1 } });
    expect(v.problems).toEqual(['header ETag is documented as always sent but is missing']);
    expect(
      await violationsOf({
        status: 200,
        headers: { etag: '"1"', 'ratelimit-limit': '10' },
        body: { id: ID, size: 1 },
      }),
    ).toEqual([]);
    const [w] = await violationsOf({
      status: 200,
      headers: { etag: '"1"', 'ratelimit-limit': 'lots' },
      body: { id: ID, size: 1 },
    });
    expect(w.problems.join('\n')).toMatch(/headers\/ratelimit-limit must be integer/);
  });

  it('records a member the schema does not declare (response schemas are checked closed)', async () => {
    const [v] = await violationsOf({
      status: 200,
      headers: { etag: '"1"' },
      body: { id: ID, size: 1, secret: 'x' },
    });
    expect(v.problems.join('\n')).toMatch(/must NOT have additional properties/);
  });

  it('records any header the document does not describe, but framing and caching ones', async () => {
    const [v] = await violationsOf({
      status: 200,
      headers: { etag: '"1"', 'x-powered-by': 'me', 'cache-control': 'no-store', vary: 'accept' },
      body: { id: ID, size: 1 },
    });
    expect(v.problems).toEqual(['header x-powered-by is sent but not documented for 200']);
  });

  it('tells a path with a trailing slash from the documented one, as Fastify does', async () => {
    expect(await violationsOf({ status: 200 }, `/things/${ID}/`)).toEqual([]);
  });

  it('leaves alone routes the document does not have', async () => {
    expect(await violationsOf({ status: 200 }, '/undocumented')).toEqual([]);
  });
});
