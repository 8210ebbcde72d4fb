/**
 * docker/Dockerfile and .dockerignore, checked without a container engine: dockerfile-utils'
 * linter (what the Docker language server reports in an editor), then the parsed instructions
 * (dockerfile-ast) for what makes a good runtime image for docscale.
 */
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import dockerignore from '@balena/dockerignore';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './repo';

// LSP's DiagnosticSeverity (dockerfile-utils reports in the Language Server Protocol's terms).
const ERROR = 1;
const WARNING = 2;
const content = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(content);
const froms = dockerfile.getFROMs();

/** The instructions of the last stage: what the image that runs is made of. */
function finalStage(): Instruction[] {
  const start = froms[froms.length - 1].getRange().start.line;
  return dockerfile.getInstructions().filter((i) => i.getRange().start.line >= start);
}

/** The instructions of the stage named `name` (`FROM ... AS name`), its FROM included. */
function stage(name: string): Instruction[] {
  const index = froms.findIndex((f) => f.getBuildStage() === name);
  if (index < 0) return [];
  const start = froms[index].getRange().start.line;
  const end = froms[index + 1]?.getRange().start.line ?? Infinity;
  return dockerfile
    .getInstructions()
    .filter((i) => i.getRange().start.line >= start && i.getRange().start.line < end);
}

/** The stage the final stage's `COPY --from=<stage> <path> ...` copies `path` from. */
function copiedFrom(path: string): string | undefined {
  const from = (i: Instruction) =>
    i instanceof Copy
      ? i
          .getFlags()
          .find((f) => f.getName() === 'from')
          ?.getValue()
      : undefined;
  const copy = finalStage().find(
    (i) => from(i) && i.getArguments().some((a) => a.getValue() === path),
  );
  return copy && (from(copy) ?? undefined);
}

function keyword(name: string): Instruction[] {
  return finalStage().filter((i) => i.getKeyword() === name);
}

describe('docker/Dockerfile', () => {
  it('has no lint error or warning', () => {
    const problems = validate(content)
      .filter((d) => d.severity === ERROR || d.severity === WARNING)
      .map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it('builds in stages and copies only build output into the last one', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const copiesFrom = finalStage().filter(
      (i) => i instanceof Copy && i.getFlags().some((f) => f.getName() === 'from'),
    );
    expect(copiesFrom.length).toBeGreaterThan(0);
    expect(finalStage().some((i) => /\bdist\b/.test(i.getArgumentsContent() ?? ''))).toBe(true);
  });

  it("runs Node 24, the line of package.json's engines and .nvmrc, pinned to a minor", () => {
    const nvmrc = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
    const nodeImages = froms.filter((f) => f.getImageName() === 'node');
    expect(nodeImages.length).toBeGreaterThan(0);
    for (const from of nodeImages) {
      expect(from.getImageTag()).toMatch(/^24\.\d+-[a-z]+-slim$/);
      expect(nvmrc.startsWith(`${from.getImageTag()!.split('-')[0]}.`)).toBe(true);
    }
  });

  it('starts from pinned base images', () => {
    const stages = new Set(froms.map((f) => f.getBuildStage()).filter(Boolean));
    for (const from of froms) {
      const image = from.getImageName() ?? '';
      if (stages.has(image)) continue; // FROM an earlier stage
      expect([image, from.getImageTag()]).toEqual([
        image,
        expect.stringMatching(/^\d+(\.\d+)*(-[a-z0-9-]+)?$/),
      ]);
    }
  });

  it('runs as a non-root user', () => {
    const users = keyword('USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].getArgumentsContent() ?? '';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('checks its own health and runs node as PID 1 with an exec-form command', () => {
    expect(keyword('HEALTHCHECK')).toHaveLength(1);
    expect(keyword('HEALTHCHECK')[0].getArgumentsContent()).toMatch(/CMD \["node"/);
    const commands = [...keyword('CMD'), ...keyword('ENTRYPOINT')];
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(c.getArgumentsContent()).toMatch(/^\[\s*"/);
    expect(keyword('CMD')[0].getArgumentsContent()).toBe('["node", "dist/src/main.js"]');
    expect(keyword('STOPSIGNAL')[0]?.getArgumentsContent()).toBe('SIGTERM');
  });

  it('listens on every interface, as a container must', () => {
    expect(
      keyword('ENV')
        .map((e) => e.getArgumentsContent())
        .join(' '),
    ).toMatch(/\bHOST=0\.0\.0\.0\b/);
  });

  it('installs production dependencies only in what the runtime stage copies', () => {
    const runs = (name: string) =>
      stage(name)
        .filter((i) => i.getKeyword() === 'RUN')
        .map((i) => i.getArgumentsContent() ?? '');
    const depsStage = copiedFrom('/app/node_modules');
    expect(depsStage).toBeDefined();
    const installs = runs(depsStage!).filter((r) => /\bnpm (ci|install|i)\b/.test(r));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).toMatch(/\bnpm ci\b[^&;]*--omit=dev\b/);
    // Not built on a stage that installed the dev dependencies first.
    const base = stage(depsStage!)[0] as unknown as { getImageName(): string | null };
    expect(froms.map((f) => f.getBuildStage())).not.toContain(base.getImageName());
    // One Node in the image: the base image's, not the node-linux-* runtime npm ci also installs.
    expect(runs(depsStage!).join('\n')).toMatch(
      /rm -rf node_modules\/node-linux-\* node_modules\/\.bin\/node/,
    );
    const buildStage = copiedFrom('/app/dist');
    expect(buildStage).toBeDefined();
    expect(runs(buildStage!)).toContain('npm run build');
  });
});

describe('.dockerignore', () => {
  const entries = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps dependencies, build output, git, the local stack and reports out of the context', () => {
    for (const entry of ['node_modules', 'dist', '.git', '.stack*', 'reports'])
      expect(entries).toContain(entry);
  });
});

describe('the build context', () => {
  const ignore = dockerignore().add(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  const tracked = (path: string) =>
    execFileSync('git', ['ls-files', '--', path], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);

  it('holds every file a COPY from it names (.dockerignore keeps none of them out)', () => {
    const sources = dockerfile
      .getInstructions()
      .filter(
        (i): i is Copy => i instanceof Copy && !i.getFlags().some((f) => f.getName() === 'from'),
      )
      .flatMap((i) =>
        i
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue()),
      );
    expect(sources).toEqual(expect.arrayContaining(['docs/openapi.json', 'docs/problems.md']));
    for (const source of sources) {
      const files = tracked(source);
      const kept = files.filter((f) => !ignore.ignores(f));
      expect({ source, inContext: kept.length > 0 }).toEqual({ source, inContext: true });
      // A file named on its own must be there itself, not just something beside it.
      if (files.length === 1 && files[0] === source) expect(kept).toEqual([source]);
    }
  });
});
