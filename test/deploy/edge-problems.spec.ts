/**
 * The answers nginx makes itself (docker/nginx/docscale.conf) are problems of docs/problems.md:
 * each static body is valid JSON, with a documented type under its status. The e2e suite
 * test/e2e/edge.e2e-spec.ts sends the requests that produce them, but for the 504 (it takes
 * proxy_read_timeout, 30 s), which only this checks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProblemTypes } from '../../src/problems/problem-types.controller';
import { withoutComments } from './compose';
import { DOCKER, ROOT } from './repo';

const conf = withoutComments(readFileSync(join(DOCKER, 'nginx/docscale.conf'), 'utf8'));
const documented = readProblemTypes(readFileSync(join(ROOT, 'docs/problems.md'), 'utf8'));

/** `return <status> '<body>'` directives, with the location block they are in. */
const returns = [...conf.matchAll(/location\s+([^{]+?)\s*\{[^}]*?return (\d{3}) '([^']*)';/g)].map(
  (m) => ({ location: m[1].trim(), status: Number(m[2]), body: m[3] }),
);

describe('docker/nginx/docscale.conf: the problems nginx answers itself', () => {
  it('answers 413, 502 and 504 from a named location returning the same status', () => {
    const pages = [...conf.matchAll(/error_page (\d{3}) (@\w+);/g)].map((m) => [m[1], m[2]]);
    expect(pages.map(([code]) => code).sort()).toEqual(['413', '502', '504']);
    for (const [code, name] of pages) {
      expect({ name, status: returns.find((r) => r.location === name)?.status }).toEqual({
        name,
        status: Number(code),
      });
    }
  });

  it('sends a problem of docs/problems.md, under its status, in every body', () => {
    expect(returns.length).toBeGreaterThanOrEqual(4);
    for (const { location, status, body } of returns) {
      const problem = JSON.parse(body) as { type: string; status: number; title: string };
      const slug = problem.type.replace(/^\/problems\//, '');
      expect({
        location,
        status: problem.status,
        documented: documented.get(slug)?.status,
      }).toEqual({ location, status, documented: String(status) });
      expect(problem.title).toEqual(expect.any(String));
    }
  });

  it('sends each of them as application/problem+json', () => {
    const blocks = [...conf.matchAll(/location\s+[^{]+\{([^}]*return \d{3} '[^}]*)\}/g)];
    expect(blocks.length).toBe(returns.length);
    for (const [, block] of blocks) {
      expect(block).toContain('default_type application/problem+json;');
    }
  });
});
