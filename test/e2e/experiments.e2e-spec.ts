import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CapacityProfile } from '../../scripts/experiments/capacity';
import type { RunReport } from '../../scripts/experiments/run-report';
import { ANY_TOGGLE } from '../helpers/toggles'; // pattern:cache,read-replicas,queue,rate-limit,shedding

const CLI = join(__dirname, '../../dist/scripts/experiments/cli.js');
const SCENARIOS = [
  'read-heavy',
  'write-heavy',
  'mixed',
  'spike',
  'read-after-write', // pattern:read-replicas
  'replica-lag', // pattern:read-replicas
  'redis-outage', // pattern:cache,queue,rate-limit
  'queue-burst', // pattern:queue
  'rate-limit', // pattern:rate-limit
  'breakers', // pattern:breakers
  'rolling-restart',
  'shedding', // pattern:shedding
  'capacity',
];
/** What each fault scenario must have marked on its time series, beside the flip every run has. */
const FAULT_EVENTS: Record<string, RegExp> = {
  spike: /^spike/,
  'replica-lag': /^replica delay \d+ ms$/, // pattern:read-replicas
  'redis-outage': /^stop redis$/, // pattern:cache,queue,rate-limit
  'queue-burst': /^burst of \d+ exports$/, // pattern:queue
  'rate-limit': /^noisy tenant: \d+ reads\/s$/, // pattern:rate-limit
  breakers: /^stop primary$/, // pattern:breakers
  'rolling-restart': /^rolling restart$/,
  shedding: /^overload: \d+ listings\/s$/, // pattern:shedding
};
/**
 * The expectations each scenario judges that must pass even in a smoke run: the mechanisms (429s,
 * 503 + Retry-After, no failed request). Latency bounds are judged and recorded too, but seconds
 * of load on a busy 2-core machine do not decide them.
 */
const MECHANISMS: Record<string, string[]> = {
  // pattern:rate-limit:begin
  'rate-limit': ['the noisy tenant is refused past its limit', 'the other tenants are not refused'],
  // pattern:rate-limit:end
  // pattern:breakers:begin
  breakers: [
    'writes refused with 503 + Retry-After while the primary is stopped',
    "the primary's breaker opened on every instance",
    'reads served while the primary is stopped (cache and replica)', // pattern:read-replicas
    'writes accepted again once the primary is back',
    'requests served while Redis is stopped', // pattern:cache,rate-limit
  ],
  // pattern:breakers:end
  'rolling-restart': [
    'every API instance replaced, one at a time',
    'no failed request through the restart',
  ],
  shedding: ['the excess is refused with 503 + Retry-After'], // pattern:shedding
  'replica-lag': ['no failed request'], // pattern:read-replicas
};

/** Runs the CLI as `npm run experiment` does; its output is the failure message if it fails. */
async function experiment(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 170_000,
  }).catch((err: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  });
  return stdout;
}

function reportOf(dir: string, scenario: string): { report: RunReport; dir: string } {
  const name = readdirSync(dir).find((d) => d.endsWith(`-${scenario}`));
  if (!name) throw new Error(`no report directory for ${scenario} in ${dir}`);
  const json = readFileSync(join(dir, name, 'report.json'), 'utf8');
  return { report: JSON.parse(json) as RunReport, dir: join(dir, name) };
}

describe('experiments (smoke mode, one topology for every scenario)', () => {
  const out = mkdtempSync(join(tmpdir(), 'docscale-experiments-'));
  let stdout = '';

  beforeAll(async () => {
    // All scenarios in one invocation: the topology (stack check, 3 Node processes booting on one
    // core, nginx) is the slow part, and is started once. The flip marks every run with an event.
    stdout = await experiment([
      SCENARIOS.join(','),
      '--smoke',
      '--out',
      out,
      // pattern:cache,read-replicas,queue,rate-limit,shedding:begin
      '--flip',
      `1s:${ANY_TOGGLE}=off`,
      // pattern:cache,read-replicas,queue,rate-limit,shedding:end
    ]);
  }, 180_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(SCENARIOS)('writes a valid report with an HTML page for %s', (scenario) => {
    const { report, dir } = reportOf(out, scenario);
    expect(report.scenario).toBe(scenario);
    expect(existsSync(join(dir, 'index.html'))).toBe(true);
    expect(report.configurations.length).toBeGreaterThan(0);
    for (const c of report.configurations) {
      expect(c.series.length).toBeGreaterThan(0);
      expect(c.summary.requests).toBeGreaterThan(0);
      expect(c.summary.rps).toBeGreaterThan(0);
      expect(c.summary.p50).toBeGreaterThan(0);
      expect(c.summary.p99).toBeGreaterThanOrEqual(c.summary.p50);
      expect(c.series.some((p) => p.rps > 0 && p.apiCpuCores > 0)).toBe(true);
      // Recorded even when it fails: toggles live in Redis, so during redis-outage the admin
      // endpoint may answer 503, and the report marks `<toggle>=off failed: ...` at that second.
      // pattern:cache,read-replicas,queue,rate-limit,shedding:begin
      expect(c.events.some((e) => e.label.startsWith(`${ANY_TOGGLE}=off`))).toBe(true);
      // pattern:cache,read-replicas,queue,rate-limit,shedding:end
    }
  });

  it.each(Object.entries(FAULT_EVENTS))(
    'marks the fault of %s on its time series, and reports the phases it cuts',
    (scenario, label) => {
      const { events, phases } = reportOf(out, scenario).report.configurations[0];
      expect(events.some((e) => label.test(e.label))).toBe(true);
      expect(phases?.map((p) => p.label)).toEqual(['start', ...events.map((e) => e.label)]);
    },
  );

  it.each(Object.entries(MECHANISMS))(
    'judges the expectations of %s, and its mechanisms hold even in a smoke run',
    (scenario, mechanisms) => {
      const { configurations } = reportOf(out, scenario).report;
      const judged = configurations.flatMap((c) => c.expectations ?? []);
      for (const e of judged) {
        expect(e).toEqual({
          name: expect.any(String),
          expected: expect.any(String),
          actual: expect.any(String),
          pass: expect.any(Boolean),
        });
      }
      const failed = judged.filter((e) => mechanisms.includes(e.name) && !e.pass);
      expect(failed).toEqual([]);
      expect(judged.map((e) => e.name)).toEqual(expect.arrayContaining(mechanisms));
      expect(stdout).toMatch(/^(PASS|FAIL) {2}\S/m);
    },
  );

  // pattern:shedding:begin
  it('runs shedding on and off in one run without --compare', () => {
    const { configurations } = reportOf(out, 'shedding').report;
    expect(configurations.map((c) => c.name)).toEqual(['LOAD_SHEDDING=on', 'LOAD_SHEDDING=off']);
  });
  // pattern:shedding:end

  // pattern:read-replicas:begin
  it('counts stale reads without the consistency token and none with it', () => {
    const extra = reportOf(out, 'read-after-write').report.configurations[0].extra ?? {};
    expect(extra.pairsWithToken).toBeGreaterThan(0);
    expect(extra.staleWithToken).toBe(0);
    expect(extra.pairsWithoutToken).toBeGreaterThan(0);
  });
  // pattern:read-replicas:end

  it('reports a capacity profile from the stepped load, as tables and charts on the page', () => {
    const { report, dir } = reportOf(out, 'capacity');
    expect(report.capacity).toMatchObject({ profile: { steps: expect.any(Array) } });
    expect(stdout).toMatch(/binding constraint: \S/);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<table class="capacity-steps">');
    expect(html).toContain('data-chart="capacity-latency"');
    expect(html).toContain('data-chart="capacity-throughput"');
  });

  it('measures the DB pool, Redis and the queue beside the API for the binding constraint', () => {
    const { report } = reportOf(out, 'capacity');
    const [step] = (report.capacity as { profile: CapacityProfile }).profile.steps;
    expect(Object.keys(step.resources)).toEqual(
      expect.arrayContaining(['api-cpu', 'event-loop', 'db-pool', 'redis', 'queue-drain']),
    );
    // The evidence for a break no saturated resource explains.
    expect(Object.keys(step.resources)).toEqual(
      expect.arrayContaining(['gc-pause', 'run-queue', 'cpu-steal']),
    );
    // Read off the processes, not defaulted: the pool and GC metrics, Redis's INFO and /proc/stat answered.
    const series = report.configurations.flatMap((c) => c.series);
    expect(series.some((p) => typeof p.dbPoolUse === 'number')).toBe(true); // pattern:telemetry
    expect(series.some((p) => typeof p.gcPauseShare === 'number')).toBe(true); // pattern:telemetry
    expect(series.some((p) => (p.redisCpuCores ?? 0) > 0)).toBe(true);
    expect(series.some((p) => typeof p.runQueue === 'number')).toBe(true);
    expect(series.every((p) => (p.cpuSteal ?? 0) >= 0 && (p.cpuSteal ?? 0) <= 1)).toBe(true);
  });

  // pattern:queue:begin
  it('compares the API p99 during the export burst with its p99 before it', () => {
    const extra = reportOf(out, 'queue-burst').report.configurations[0].extra ?? {};
    expect(extra.idleP99Ms).toBeGreaterThan(0);
    expect(extra.burstP99Ms).toBeGreaterThan(0);
    expect(extra.exportsAccepted).toBe(extra.exportsRequested);
  });
  // pattern:queue:end

  // pattern:cache:begin
  it('compares toggle sets in one run, one configuration each, with ratios', async () => {
    const text = await experiment([
      'read-heavy',
      '--smoke',
      '--out',
      out,
      '--compare',
      'defaults|CACHE_L1=off,CACHE_L2=off',
    ]);
    const names = readdirSync(out)
      .filter((d) => d.endsWith('-read-heavy'))
      .sort();
    const report = reportOf(join(out), 'read-heavy').report;
    const latest = JSON.parse(
      readFileSync(join(out, names.at(-1)!, 'report.json'), 'utf8'),
    ) as RunReport;
    expect(report).toBeDefined();
    expect(latest.configurations.map((c) => c.name)).toEqual([
      'defaults',
      'CACHE_L1=off,CACHE_L2=off',
    ]);
    const cacheOff = latest.configurations[1].series;
    // With both cache tiers off every read goes to the database: no second shows an L1 hit.
    expect(cacheOff.every((p) => !p.l1HitRatio)).toBe(true);
    expect(text).toMatch(/vs defaults/);
  }, 60_000);
  // pattern:cache:end
});

describe('the experiment command line', () => {
  /** Runs the CLI and resolves with its exit code and output, whatever the code. */
  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return promisify(execFile)(process.execPath, [CLI, ...args], { timeout: 30_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: Error & { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? -1,
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? '',
      }),
    );
  }

  it('prints its usage on --help, and starts nothing', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^usage: npm run experiment -- <scenario>/);
    for (const scenario of SCENARIOS) expect(stdout).toContain(scenario);
    expect(stdout).toContain('--flip');
  });

  it.each([
    ['no scenario', [], /name a scenario/],
    ['an unknown scenario', ['read-mostly'], /unknown scenario read-mostly/],
    ['an unknown option', ['read-heavy', '--durations', '5s'], /--durations/],
    ['a malformed duration', ['read-heavy', '--duration', 'soon'], /"soon" is not a duration/],
  ])('refuses %s with the usage and exit code 2, no stack trace', async (_case, args, reason) => {
    const { code, stdout, stderr } = await run(args as string[]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(reason);
    expect(stderr).toContain('usage: npm run experiment');
    expect(stderr).not.toMatch(/experiment failed|\n\s+at /);
  });
});
