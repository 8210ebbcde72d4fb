/**
 * The README stays a front page (what it is, the quickstart, the pattern map, a curl tour) and the
 * long reference lives in docs/: the README's size is bounded, every relative link of every
 * Markdown file leads to a file (and a heading, for an anchor into markdown: read as
 * scripts/patterns/markdown-links.ts reads them), every configuration key has its row: a lib's in the lib's README, the app's in
 * docs/configuration.md, and CI runs the test command the README names.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { linkProblem, relativeLinks, slug } from '../../scripts/patterns/markdown-links';
import { projectTextFiles } from '../../scripts/patterns/project-files';
import { SCENARIOS } from '../../scripts/experiments/scenarios';
import { configKeys, libConfigKeys } from './config-keys';
import { ROOT } from './repo';

const README = join(ROOT, 'README.md');
const README_MAX_BYTES = 12 * 1024;

/** What is wrong with the relative links of one markdown file (external ones are not checked). */
function brokenLinks(file: string): string[] {
  return relativeLinks(readFileSync(join(ROOT, file), 'utf8'), file).flatMap((link) => {
    const problem = linkProblem(ROOT, link);
    return problem ? [`${file}: ${link.target} (${problem})`] : [];
  });
}

/** The keys a configuration table documents, one per row. */
function keyRows(path: string): string[] {
  const table = readFileSync(path, 'utf8');
  return [...table.matchAll(/^\| `([A-Z0-9_]+)` +\|/gm)].map((m) => m[1]);
}

describe('the README and docs/', () => {
  it('keeps the README within 12 KB', () => {
    expect(statSync(README).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  // Every Markdown file of the project, docker/'s and k8s/'s READMEs too: after a
  // pattern:remove, a page that linked to the pattern's page must not point nowhere (the proofs
  // run this suite on each removal's copy).
  it('has every relative link of every Markdown file lead to an existing file and heading', () => {
    const files = projectTextFiles(ROOT).filter((file) => file.endsWith('.md'));
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docker/README.md']));
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

/**
 * A pattern doc's "Try it" sections: a `## Try it` or `### Try it` up to the next heading of level
 * 1-3, or a `- **Try it**` bullet up to the next bullet, heading or unindented line after a blank
 * one; fenced code is read through (a `# comment` in a shell block is not a heading).
 */
function tryItSections(markdown: string): string[] {
  const sections: string[] = [];
  let current: { lines: string[]; bullet: boolean } | undefined;
  let fenced = false;
  let blank = false;
  for (const line of markdown.split(/\r?\n/)) {
    const inFence = fenced;
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (!inFence) {
      const heading = /^#{1,3} /.test(line);
      const ends = current?.bullet
        ? heading || /^- /.test(line) || (blank && /^\S/.test(line))
        : heading;
      if (current && ends) {
        sections.push(current.lines.join('\n'));
        current = undefined;
      }
      if (/^#{2,3} Try it\s*$/.test(line)) current = { lines: [], bullet: false };
      else if (/^- \*\*Try it\*\*/.test(line)) current = { lines: [line], bullet: true };
      else current?.lines.push(line);
    } else current?.lines.push(line);
    blank = line.trim() === '';
  }
  if (current) sections.push(current.lines.join('\n'));
  return sections;
}

/** What is wrong with the commands of a Try it section: npm scripts or scenarios that do not exist. */
function tryItProblems(section: string): string[] {
  const scripts = Object.keys(
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
  );
  const scenarios = [...Object.keys(SCENARIOS), 'capacity'];
  // `npm run experiment -- <scenarios> [options]`: the first argument names the scenarios, unless
  // it is a placeholder (`<scenario>`); an argument that is an option names none.
  return [...section.matchAll(/npm run (?:-s )?([\w:-]+)(?:\s+--\s+([^\s`]+))?/g)].flatMap(
    ([command, script, first]) => [
      ...(scripts.includes(script) ? [] : [`${command}: no npm script ${script}`]),
      ...(script === 'experiment' && first && !/^[-<]/.test(first)
        ? first
            .split(',')
            .filter((name) => !scenarios.includes(name))
            .map((name) => `${command}: no scenario ${name}`)
        : []),
      ...(script === 'experiment' && !first ? [`${command}: no scenario named`] : []),
    ],
  );
}

describe('the pattern docs', () => {
  const docs = readdirSync(join(ROOT, 'docs/patterns')).filter((f) => f.endsWith('.md'));

  // A command block comes with what it printed on a 2-core machine. Not every section has one:
  // toggles.md's block goes with the cache (pattern:remove), and its inline example stays.
  it('give each pattern a "Try it" section with a command, and each command block its figures', () => {
    expect(docs.length).toBeGreaterThan(0);
    const problems = docs.flatMap((doc) => {
      const sections = tryItSections(readFileSync(join(ROOT, 'docs/patterns', doc), 'utf8'));
      if (!sections.some((s) => /npm run /.test(s))) return [`${doc}: no Try it with a command`];
      return sections
        .filter((s) => /^```(sh|bash|shell)\s*$/m.test(s) && !/2-core\s+machine/.test(s))
        .map(() => `${doc}: a Try it block without the figures it printed on a 2-core machine`);
    });
    expect(problems).toEqual([]);
  });

  it('name only npm scripts and scenarios that exist in their "Try it" sections', () => {
    const problems = docs.flatMap((doc) =>
      tryItSections(readFileSync(join(ROOT, 'docs/patterns', doc), 'utf8'))
        .flatMap(tryItProblems)
        .map((p) => `${doc}: ${p}`),
    );
    expect(problems).toEqual([]);
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
