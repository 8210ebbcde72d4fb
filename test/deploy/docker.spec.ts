/**
 * docker/Dockerfile and .dockerignore, checked without a container engine: dockerfile-utils'
 * linter (what the Docker language server reports in an editor), then the parsed instructions
 * (dockerfile-ast) for what makes a good runtime image for docscale.
 */
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
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
    expect(content).toMatch(/npm ci --omit=dev/);
    expect(content).toMatch(/npm run build/);
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
