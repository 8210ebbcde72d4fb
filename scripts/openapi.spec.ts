import type { OpenAPIObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCUMENTED_PROBLEM_TYPES } from '../src/openapi/api-responses';
import { loadProblemTypes } from '../src/problems/problem-types.controller';
import { generateOpenApi, OPENAPI_FILE, openApiText } from './openapi';

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

describe('the OpenAPI document (docs/openapi.json)', () => {
  let document: OpenAPIObject;

  beforeAll(async () => {
    document = await generateOpenApi();
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m] !== undefined).map((m) => ({ path, method: m, op: item[m]! })),
    );

  it('is committed as generated: run `npm run openapi` after changing a controller or DTO', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText(document));
  });

  it('gives every operation a readable operationId, a summary, a tag and a 4xx or 5xx', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(15);
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, id: op.operationId }).toEqual({
        where,
        id: expect.stringMatching(/^[a-z][A-Za-z]+$/),
      });
      expect({ where, summary: op.summary }).toEqual({ where, summary: expect.any(String) });
      expect({ where, tags: op.tags?.length }).toEqual({ where, tags: 1 });
      const errors = Object.keys(op.responses).filter((s) => Number(s) >= 400);
      expect({ where, errors: errors.length > 0 }).toEqual({ where, errors: true });
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers every API error (4xx, 5xx) as the one shared problem+json schema', () => {
    let errors = 0;
    for (const { path, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        errors++;
        const content = (response as { content?: Record<string, { schema?: unknown }> }).content;
        expect({ path, status, content }).toEqual({
          path,
          status,
          content: {
            'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } },
          },
        });
      }
    }
    expect(errors).toBeGreaterThan(50);
  });

  it('takes its version and license from package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
      license: string;
    };
    expect(document.info.version).toBe(pkg.version);
    expect(document.info.license?.name).toBe(pkg.license);
  });

  it('names only problem types docs/problems.md and the libs document, each under its status, and all of them', () => {
    const documented = loadProblemTypes(join(__dirname, '..'));
    // Answered outside every operation: by the router for any path, a safety net no known
    // request reaches, and the edge's own (nginx: test/deploy/edge-problems.spec.ts).
    const outside = [
      'method-not-allowed',
      'bad-request',
      'upstream-unavailable',
      'upstream-timeout',
    ];
    expect([...new Set(DOCUMENTED_PROBLEM_TYPES.map((t) => t.type)), ...outside].sort()).toEqual(
      [...documented.keys()].sort(),
    );
    for (const { type, status } of DOCUMENTED_PROBLEM_TYPES) {
      expect({ type, status: documented.get(type)?.status }).toEqual({
        type,
        status: String(status),
      });
    }
  });
});
