import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PatternManifest } from './pattern-manifest';
import { applyRemoval, danglingMentions } from './removal';
import { describePlan, hasWork, planRemoval } from './removal-plan';

const mark = (kind: string) => `// pattern:telemetry:${kind}`;

const manifest: PatternManifest = {
  name: 'telemetry',
  summary: 'test',
  paths: ['libs/telemetry', 'docs/patterns/telemetry.md', 'absent.ts'],
  dependencies: ['@opentelemetry/sdk-node', '@opentelemetry/api'],
  scripts: ['bench:telemetry'],
  jsonKeys: [{ file: 'nest-cli.json', path: ['projects', 'telemetry'] }],
  jsonItems: [{ file: 'dashboard.json', path: ['panels'], containing: ['otel_'] }],
  afterwards: [['npm', 'run', '-s', 'openapi']],
  notes: [],
};

let root: string;
const write = (file: string, text: string) => {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
};
const read = (file: string) => readFileSync(join(root, file), 'utf8');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pattern-remove-'));
  write('libs/telemetry/src/index.ts', 'export const x = 1;\n');
  write('docs/patterns/telemetry.md', '# Telemetry\n');
  write(
    'src/main.ts',
    [mark('begin'), "import '@opentelemetry/sdk-node';", mark('end'), 'main();', ''].join('\n'),
  );
  write('libs/toggles/src/toggles.ts', "import { metrics } from '@opentelemetry/api';\n");
  write('README.md', 'See docs/patterns/telemetry.md.\n');
  write('dashboard.json', JSON.stringify({ panels: [{ expr: 'otel_spans' }, { expr: 'up' }] }));
  write('nest-cli.json', JSON.stringify({ projects: { telemetry: {}, cache: {} } }));
  write(
    'package.json',
    JSON.stringify({
      scripts: { build: 'nest build', 'bench:telemetry': 'x' },
      dependencies: { '@opentelemetry/sdk-node': '1', '@opentelemetry/api': '1' },
    }),
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('a pattern removal', () => {
  it('plans the deletions, region edits, JSON keys, scripts, and only the packages nothing else imports', () => {
    const plan = planRemoval(root, manifest);
    expect(describePlan(plan)).toEqual([
      'delete   libs/telemetry',
      'delete   docs/patterns/telemetry.md',
      'edit     src/main.ts (1 region)',
      'edit     nest-cli.json: drop projects.telemetry',
      'edit     dashboard.json: drop 1 of panels',
      'script   drop npm script "bench:telemetry"',
      'npm      uninstall @opentelemetry/sdk-node',
      'npm      keep @opentelemetry/api (still imported by libs/toggles/src/toggles.ts)',
    ]);
    expect(hasWork(plan)).toBe(true);
  });

  it('applies the plan, runs npm uninstall for the packages, and then finds nothing left to do', () => {
    const commands: string[] = [];
    applyRemoval(root, planRemoval(root, manifest), (command, args) => {
      commands.push([command, ...args].join(' '));
      // What npm uninstall does to package.json.
      const pkg = JSON.parse(read('package.json'));
      for (const name of args) delete pkg.dependencies[name];
      write('package.json', JSON.stringify(pkg));
    });
    expect(existsSync(join(root, 'libs/telemetry'))).toBe(false);
    expect(read('src/main.ts')).toBe('main();\n');
    expect(JSON.parse(read('nest-cli.json'))).toEqual({ projects: { cache: {} } });
    expect(JSON.parse(read('dashboard.json'))).toEqual({ panels: [{ expr: 'up' }] });
    expect(JSON.parse(read('package.json')).scripts).toEqual({ build: 'nest build' });
    expect(commands).toEqual([
      'npm uninstall --no-audit --no-fund --ignore-scripts --prefer-offline @opentelemetry/sdk-node',
      'npm run -s openapi',
    ]);
    expect(hasWork(planRemoval(root, manifest))).toBe(false);
  });

  it('reports a line that still names a deleted file', () => {
    const plan = planRemoval(root, manifest);
    applyRemoval(root, plan, () => undefined);
    expect(danglingMentions(root, plan)).toEqual(['README.md:1: telemetry.md']);
  });

  it('unlinks the Markdown links the removal breaks: to a deleted page, to a heading a region held', () => {
    write(
      'docs/guide.md',
      [
        '# Guide',
        '<!-- pattern:telemetry:begin -->',
        '## Tracing',
        '<!-- pattern:telemetry:end -->',
        '## Logs',
        '',
      ].join('\n'),
    );
    write(
      'docs/index.md',
      [
        'See [telemetry](patterns/telemetry.md), [its code](../libs/telemetry/src/index.ts),',
        '[tracing](guide.md#tracing), [logs](guide.md#logs) and [a typo](guide.md#nothing).',
        '',
      ].join('\n'),
    );
    const plan = planRemoval(root, manifest);
    expect(describePlan(plan)).toEqual(
      expect.arrayContaining([
        'edit     docs/guide.md (1 region)',
        'edit     docs/index.md (3 broken links unlinked)',
      ]),
    );
    applyRemoval(root, plan, () => undefined);
    expect(read('docs/index.md')).toBe(
      [
        'See telemetry, its code,',
        // A link that was broken before is the docs test's to report, not the removal's to hide.
        'tracing, [logs](guide.md#logs) and [a typo](guide.md#nothing).',
        '',
      ].join('\n'),
    );
  });

  it('deletes a file every line of which went with the regions', () => {
    write(
      'src/telemetry.module.ts',
      [mark('begin'), 'export class TelemetryModule {}', mark('end'), ''].join('\n'),
    );
    const plan = planRemoval(root, manifest);
    expect(plan.deletions).toContain('src/telemetry.module.ts');
    expect(plan.edits.map((e) => e.file)).not.toContain('src/telemetry.module.ts');
    applyRemoval(root, plan, () => undefined);
    expect(existsSync(join(root, 'src/telemetry.module.ts'))).toBe(false);
  });

  it('writes nothing when a file has markers out of order', () => {
    write('src/broken.ts', `${mark('begin')}\nx\n`);
    expect(() => planRemoval(root, manifest)).toThrow(
      'src/broken.ts:1: pattern:telemetry:begin is never closed',
    );
    expect(existsSync(join(root, 'libs/telemetry'))).toBe(true);
    expect(read('src/main.ts')).toContain(mark('begin'));
  });

  it('moves a kept file out of a deleted folder before deleting it (a migration stays in the chain)', () => {
    write('libs/telemetry/src/migrations/1-spans.ts', 'export class Spans1 {}\n');
    const keep = [
      { from: 'libs/telemetry/src/migrations/1-spans.ts', to: 'migrations/1-spans.ts' },
    ];
    const plan = planRemoval(root, { ...manifest, keep, afterwards: [] });

    expect(describePlan(plan)[0]).toBe(
      'keep     libs/telemetry/src/migrations/1-spans.ts as migrations/1-spans.ts',
    );
    applyRemoval(root, plan, () => undefined);
    expect(read('migrations/1-spans.ts')).toBe('export class Spans1 {}\n');
    expect(existsSync(join(root, 'libs/telemetry'))).toBe(false);
  });
});
