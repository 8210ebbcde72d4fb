/**
 * docscale's Prometheus alert rules (docker/prometheus/rules/), checked the way Prometheus would
 * load them and the way on-call will read them: promtool accepts the file and passes every unit
 * test; every alert says how bad it is, what happened and what to do; every alert has a test that
 * makes it fire; and every series an expression or a test names is one the code exports, so a
 * renamed instrument breaks this suite instead of leaving an alert that can never fire.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configKeys } from './config-keys';
import { exportedSeries, metricsIn } from './metric-names';
import { DOCKER, toolBin } from './repo';

const RULES_DIR = join(DOCKER, 'prometheus/rules');
const RULES_FILE = join(RULES_DIR, 'docscale.rules.yaml');
/** One file of promtool unit tests per rule group (tests/<group>.test.yaml). */
const TEST_FILES = readdirSync(join(RULES_DIR, 'tests'))
  .filter((f) => f.endsWith('.test.yaml'))
  .sort()
  .map((f) => join(RULES_DIR, 'tests', f));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface AlertTest {
  alertname: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
}
interface TestFile {
  rule_files: string[];
  tests: {
    name: string;
    input_series: { series: string }[];
    alert_rule_test?: AlertTest[];
  }[];
}

const rules: Rule[] = (
  parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined);
const testFiles = TEST_FILES.map((f) => parse(readFileSync(f, 'utf8')) as TestFile);

/**
 * promtool's path; scripts/stack.sh installs Debian's prometheus package when it is missing.
 * That promtool is Prometheus 2.x while compose runs Prometheus 3.x: the rules use nothing whose
 * meaning changed between them (3.x's left-open range selectors shift window edges by at most one
 * sample, which the test cases' margins absorb), but a 3.x-only function would fail here.
 */
let promtoolPath: string | undefined;
function promtool(): string {
  promtoolPath ??= toolBin('promtool');
  return promtoolPath;
}

/** Runs promtool; returns its exit status and everything it printed. */
function runPromtool(args: string[]): { status: number; output: string } {
  try {
    const output = execFileSync(promtool(), args, {
      cwd: RULES_DIR,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { status: 0, output };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, output: `${err.stdout}${err.stderr}` };
  }
}

describe('the alert rules', () => {
  it('load in promtool', () => {
    const result = runPromtool(['check', 'rules', RULES_FILE]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('pass every promtool unit test', () => {
    const result = runPromtool(['test', 'rules', ...TEST_FILES]);
    expect(result.output).not.toContain('FAILED');
    expect(result.status).toBe(0);
    expect(result.output.match(/SUCCESS/g)).toHaveLength(TEST_FILES.length);
  }, 120_000);

  it('give every alert a severity, a summary, a description and a one-line runbook', () => {
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      const where = `alert ${a.alert}`;
      expect([where, a.labels?.severity]).toEqual([
        where,
        expect.stringMatching(/^(critical|warning)$/),
      ]);
      for (const key of ['summary', 'description', 'runbook']) {
        expect([where, key, a.annotations?.[key]?.trim()]).toEqual([
          where,
          key,
          expect.any(String),
        ]);
      }
      expect([where, a.annotations?.runbook]).toEqual([where, expect.not.stringContaining('\n')]);
    }
  });

  it('name only config keys the service reads', () => {
    const named = alerts.flatMap((a) =>
      Object.values(a.annotations ?? {}).flatMap(
        (t) => t.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g) ?? [],
      ),
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((key) => !configKeys.has(key))).toEqual([]);
  });

  it('each have a promtool test case in which they fire', () => {
    const fired = new Set(
      testFiles.flatMap((f) =>
        f.tests.flatMap((t) =>
          (t.alert_rule_test ?? [])
            .filter((c) => (c.exp_alerts ?? []).length > 0)
            .map((c) => c.alertname),
        ),
      ),
    );
    expect(alerts.map((a) => a.alert).filter((name) => !fired.has(name))).toEqual([]);
  });

  it('test no alert that the rules do not define', () => {
    const defined = new Set(alerts.map((a) => a.alert));
    const tested = testFiles.flatMap((f) =>
      f.tests.flatMap((t) => (t.alert_rule_test ?? []).map((c) => c.alertname)),
    );
    expect(tested.filter((name) => !defined.has(name))).toEqual([]);
  });

  it('name only series that docscale exports, or series the rules record', () => {
    const exported = exportedSeries();
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    const missing = rules.flatMap((r) =>
      metricsIn(r.expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${r.alert ?? r.record}: ${name}`),
    );
    const unrecorded = rules.flatMap((r) =>
      (r.expr.match(/\bdocscale:[a-z0-9_:]+/g) ?? [])
        .filter((name) => !recorded.has(name))
        .map((name) => `${r.alert ?? r.record}: ${name}`),
    );
    expect([...missing, ...unrecorded]).toEqual([]);
  });

  it('are tested with input series that docscale exports', () => {
    const exported = exportedSeries();
    const inputs = testFiles.flatMap((f) =>
      f.tests.flatMap((t) => t.input_series.flatMap((s) => metricsIn(s.series))),
    );
    expect(inputs.length).toBeGreaterThan(0);
    expect([...new Set(inputs)].filter((name) => !exported.has(name))).toEqual([]);
  });
});
