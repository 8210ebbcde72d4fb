/**
 * The README stays a front page (what it is, the quickstart, the pattern map, a curl tour) and the
 * long reference lives in docs/: the README's size is bounded, every relative link of the README
 * and docs/ (and of each lib's README) leads to a file (and a heading, for an anchor into
 * markdown), every configuration key has its row: a lib's in the lib's README, the app's in
 * docs/configuration.md, and CI runs the test command the README names.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { configKeys, libConfigKeys } from './config-keys';
import { ROOT } from './repo';

const README = join(ROOT, 'README.md');
const README_MAX_BYTES = 12 * 1024;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** The text outside fenced code blocks and inline code spans: links there are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a markdown file's headings, with GitHub's -1, -2 suffixes for repeats. */
function anchors(path: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of prose(readFileSync(path, 'utf8')).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slug(text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** What is wrong with the relative links of one markdown file (external ones are not checked). */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const [, target] of prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [path, anchor] = target.split('#', 2);
    const resolved = path ? join(dirname(file), decodeURI(path)) : file;
    const where = `${relative(ROOT, file)}: ${target}`;
    if (!existsSync(resolved)) broken.push(`${where} (no such file)`);
    else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
      broken.push(`${where} (no such heading)`);
    }
  }
  return broken;
}

/** The keys a configuration table documents, one per row. */
function keyRows(path: string): string[] {
  const table = readFileSync(path, 'utf8');
  return [...table.matchAll(/^\| `([A-Z0-9_]+)` +\|/gm)].map((m) => m[1]);
}

/** Each lib's README (its keys, its problems): read and linked like docs/. */
function libReadmes(): string[] {
  return readdirSync(join(ROOT, 'libs'))
    .map((lib) => join(ROOT, 'libs', lib, 'README.md'))
    .filter((path) => existsSync(path));
}

describe('the README and docs/', () => {
  it('keeps the README within 12 KB', () => {
    expect(statSync(README).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('has every relative link of the README and docs/ lead to an existing file and heading', () => {
    const files = [README, ...markdownFiles(join(ROOT, 'docs')), ...libReadmes()];
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  it("gives every lib's configuration key a row in the lib's README, and no other key", () => {
    const libs = libConfigKeys();
    expect(libs.size).toBeGreaterThan(0);
    for (const [lib, keys] of libs) {
      const rows = keyRows(join(ROOT, 'libs', lib, 'README.md'));
      expect({ lib, rows: rows.sort() }).toEqual({ lib, rows: [...keys].sort() });
    }
  });

  it("gives every app key (no lib's) a row in docs/configuration.md, and no other key", () => {
    const libKeys = new Set([...libConfigKeys().values()].flat());
    const appKeys = [...configKeys].filter((key) => !libKeys.has(key));
    const rows = keyRows(join(ROOT, 'docs/configuration.md'));
    expect(rows.sort()).toEqual(appKeys.sort());
  });

  it("has CI run the test command the README's quickstart names", () => {
    const readme = readFileSync(README, 'utf8');
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(readme).toMatch(/^npm test$/m);
    expect(ci).toMatch(/^npm test$/m);
  });
});

describe('slug', () => {
  it('turns a heading into the anchor GitHub gives it', () => {
    expect(slug('Rotating without downtime')).toBe('rotating-without-downtime');
    expect(slug('1. Circuit breakers and timeouts')).toBe('1-circuit-breakers-and-timeouts');
    expect(slug('Benchmarks against bare baselines (`npm run bench`)')).toBe(
      'benchmarks-against-bare-baselines-npm-run-bench',
    );
  });
});
