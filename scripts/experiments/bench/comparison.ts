/**
 * The comparison runner behind `npm run bench*`: a few configurations of the API (and baseline
 * servers), measured as ratios within one run.
 *
 * One server process per configuration (the API, or a baseline server a variant names), pinned to
 * core 0; the load generator (autocannon, in this process) is pinned to core 1. Every
 * configuration serves the same workload, GET /v1/documents/:id over 1000 seeded ids.
 * Configurations are interleaved over several rounds (../rounds.ts, as the experiments' compare
 * mode), and each is reported with its median req/s, its ratio to the baseline taken round by
 * round, p99 latency, and server CPU microseconds per request read from /proc/<pid>/stat. Command
 * line (../../command-line.ts, as every script's): see `usage` below.
 */
import autocannon from 'autocannon';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AppConfig } from '../../../src/config';
import { exitWithUsage, parseCommandLine } from '../../command-line';
import { createTenant } from '../../create-tenant';
import { migrate } from '../../migrate';
import { tryPin } from '../../processes/node-process';
import { ROOT, stack } from '../../processes/stack';
import { describeRuntime } from '../../runtime';
import { seed } from '../../seed';
import { interleave, median } from '../rounds';
import { CpuProfile, formatSummary, summarize } from './cpu-profile';
import { cpuMicros } from './process-stats';
import { startServer } from './server';

/** One configuration of the API: a name for the table and the environment that sets it up. */
export interface Variant {
  name: string;
  env: Record<string, string>;
  /** Another server to start instead of the API, relative to the repository root (in dist/). */
  entry?: string;
}

/** What the bench seeded, for servers that need to know (a baseline reading the same rows). */
export interface Seeded {
  config: AppConfig;
  tenantId: string;
  ids: string[];
}

export interface Comparison {
  /** The npm script that runs it, for the usage: `bench`, `bench:cache`. */
  command: string;
  /** Tenant the documents are seeded under; one per bench, so benches do not share rows. */
  tenant: string;
  /** What one request costs the server, printed above the table. */
  workload: string;
  variants: Variant[];
  /** Name of the variant the others are divided by, round by round. */
  baseline: string;
  /** Environment given to every variant's server on top of its own, e.g. an exporter endpoint. */
  extraEnv?: Record<string, string>;
  /** More environment for every server, computed once the documents are seeded. */
  seededEnv?: (seeded: Seeded) => Promise<Record<string, string>>;
}

export interface Sample {
  rps: number;
  p99: number;
  cpuUsPerReq: number;
}

interface Context {
  key: string;
  ids: string[];
  seconds: number;
  extraEnv: Record<string, string>;
}

async function load(url: string, key: string, ids: string[], seconds: number) {
  let i = 0;
  return autocannon({
    url,
    connections: 50,
    duration: seconds,
    headers: { authorization: `Bearer ${key}` },
    requests: [
      { setupRequest: (req) => ({ ...req, path: `/v1/documents/${ids[i++ % ids.length]}` }) },
    ],
  });
}

async function measure(variant: Variant, ctx: Context): Promise<Sample> {
  const server = await startServer({ ...variant.env, ...ctx.extraEnv }, variant.entry);
  try {
    await load(server.url, ctx.key, ctx.ids, 1); // warm-up: JIT, pools, auth cache
    const cpuBefore = cpuMicros(server.pid);
    const result = await load(server.url, ctx.key, ctx.ids, ctx.seconds);
    const cpu = cpuMicros(server.pid) - cpuBefore;
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`${variant.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
    return {
      rps: result.requests.average,
      p99: result.latency.p99,
      cpuUsPerReq: cpu / result.requests.total,
    };
  } finally {
    await server.stop();
  }
}

const usage = (comparison: Comparison) => `usage: npm run ${comparison.command} -- [options]

${comparison.workload}

options:
  --rounds 3          interleaved rounds (every variant once per round, order rotated)
  --duration 5        seconds of measured load per variant and round (after 1 s of warm-up)
  --only "a,b"        only these variants (the ratio column needs "${comparison.baseline}")
  --profile "name"    then one more run of that variant with V8's CPU profiler (reports/profiles/)
  -h, --help          this text

variants: ${comparison.variants.map((v) => `"${v.name}"`).join(', ')}`;

/** A whole number ≥ 1 from the command line, else the usage and exit code 2. */
function count(text: string, option: string, help: string): number {
  if (!/^[1-9]\d*$/.test(text))
    exitWithUsage(help, `${option} "${text}": write a whole number ≥ 1`);
  return Number(text);
}

/** The command line, checked before anything starts: a typo must not cost the setup first. */
function parseBench(comparison: Comparison) {
  const help = usage(comparison);
  const { values } = parseCommandLine(help, {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    only: { type: 'string' },
    profile: { type: 'string' },
  });
  const names = comparison.variants.map((v) => v.name);
  const only = values.only?.split(',');
  const unknown = [...(only ?? []), ...(values.profile === undefined ? [] : [values.profile])];
  for (const name of unknown) {
    if (!names.includes(name)) exitWithUsage(help, `no variant named "${name}"`);
  }
  return {
    rounds: count(values.rounds, '--rounds', help),
    seconds: count(values.duration, '--duration', help),
    variants: only ? comparison.variants.filter((v) => only.includes(v.name)) : comparison.variants,
    profiled: comparison.variants.find((v) => v.name === values.profile),
  };
}

/** Runs the rounds and prints the table; returns every sample, one per round, by variant name. */
export async function runComparison(comparison: Comparison): Promise<Map<string, Sample[]>> {
  const { rounds, seconds, variants, profiled } = parseBench(comparison);
  console.log(`bench: ${comparison.workload}, on ${describeRuntime()}`);
  const pinned = tryPin(process.pid, 1);
  const config = AppConfig.load();
  stack('up');
  await migrate(config);
  const { tenantId, key } = await createTenant(config, comparison.tenant);
  await seed(config, { tenant: comparison.tenant, documents: 1000, seed: 7 });
  const ids = await documentIds(config, tenantId);
  const ctx: Context = {
    key,
    ids,
    seconds,
    extraEnv: {
      ...comparison.extraEnv,
      ...(await comparison.seededEnv?.({ config, tenantId, ids })),
    },
  };
  const { samples, ratios } = await runRounds(variants, comparison.baseline, rounds, ctx);

  console.log(
    `\n${comparison.workload}, 50 connections, ${describeRuntime()}, ` +
      `${ctx.seconds} s x ${rounds} rounds; server on core 0, load on core 1${pinned ? '' : ' (taskset unavailable: not pinned)'}`,
  );
  printTable(variants, comparison.baseline, samples, ratios);
  // A failed profile is reported, not thrown: the table and the targets still stand.
  if (profiled) await profile(profiled, ctx).catch((err: Error) => console.error(err.message));
  return samples;
}

/**
 * One more run of `variant`, outside the table (the profiler slows what it measures), with V8's
 * CPU profiler on for the measured load only (profiler-preload.ts); writes the .cpuprofile under
 * reports/profiles/ (open it in Chrome DevTools or speedscope) and prints where the time went.
 */
async function profile(variant: Variant, ctx: Context): Promise<void> {
  const dir = join(ROOT, 'reports', 'profiles');
  mkdirSync(dir, { recursive: true });
  const slug = variant.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${slug}.cpuprofile`);
  const preload = join(ROOT, 'dist/scripts/experiments/bench/profiler-preload.js');
  const server = await startServer(
    { ...variant.env, ...ctx.extraEnv, BENCH_CPU_PROFILE: file },
    variant.entry,
    ['--require', preload],
  );
  try {
    await load(server.url, ctx.key, ctx.ids, 1);
    process.kill(server.pid, 'SIGUSR2'); // start
    await load(server.url, ctx.key, ctx.ids, ctx.seconds);
    process.kill(server.pid, 'SIGUSR2'); // stop and write
    const deadline = Date.now() + 10_000;
    while (!existsSync(file)) {
      if (Date.now() > deadline) throw new Error(`the profiler did not write ${file} in 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await server.stop();
  }
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, ROOT);
  console.log(`\nCPU profile of "${variant.name}" under load: ${relative(process.cwd(), file)}`);
  console.log(formatSummary(summary).join('\n'));
}

/** The interleaved rounds, with each measurement printed as it lands. */
function runRounds(variants: Variant[], baseline: string, rounds: number, ctx: Context) {
  return interleave(
    variants,
    rounds,
    baseline,
    async (v, round) => {
      process.stdout.write(`round ${round + 1}/${rounds}: ${v.name}... `);
      const s = await measure(v, ctx);
      console.log(
        `${Math.round(s.rps)} req/s, p99 ${s.p99} ms, ${s.cpuUsPerReq.toFixed(0)} µs CPU/req`,
      );
      return s;
    },
    (s) => s.rps,
  );
}

function printTable(
  variants: Variant[],
  baseline: string,
  samples: Map<string, Sample[]>,
  ratios: Map<string, number[]>,
): void {
  const nameWidth = Math.max(16, ...variants.map((v) => v.name.length));
  const ratioLabel = `vs ${baseline}`;
  const ratioWidth = Math.max(6, ratioLabel.length);
  console.log(
    `${'variant'.padEnd(nameWidth)} req/s (median)  ${ratioLabel.padStart(ratioWidth)}   p99 ms  server CPU µs/req`,
  );
  for (const v of variants) {
    const s = samples.get(v.name)!;
    const r = ratios.get(v.name)!;
    console.log(
      `${v.name.padEnd(nameWidth)} ${String(Math.round(median(s.map((x) => x.rps)))).padStart(14)}  ` +
        `${(r.length ? median(r).toFixed(2) : '-').padStart(ratioWidth)}  ` +
        `${String(median(s.map((x) => x.p99))).padStart(6)}  ` +
        `${median(s.map((x) => x.cpuUsPerReq))
          .toFixed(0)
          .padStart(17)}`,
    );
  }
}

async function documentIds(config: AppConfig, tenantId: string): Promise<string[]> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: config.env.DATABASE_OWNER_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM documents WHERE tenant_id = $1 LIMIT 1000',
      [tenantId],
    );
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}
