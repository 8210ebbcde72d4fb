/**
 * `npm run bench:telemetry`: what telemetry costs, measured as ratios within one run.
 *
 * One API process per configuration, pinned to core 0; the load generator (autocannon, in this
 * process) and a sink that accepts OTLP exports are pinned to core 1. Configurations are
 * interleaved over several rounds (the host's speed drifts within a session), and each is reported
 * with its median req/s, its ratio to "off" taken round by round, p99 latency, and server CPU
 * microseconds per request read from /proc/<pid>/stat.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { AppConfig } from '../../src/config';
import { createTenant } from '../create-tenant';
import { migrate } from '../migrate';
import { seed } from '../seed';
import { startServer, tryPin } from './server-process';
import { cpuMicros } from './process-stats';

interface Variant {
  name: string;
  env: Record<string, string>;
}

const VARIANTS: Variant[] = [
  { name: 'off', env: { TELEMETRY_TRACING: 'off', TELEMETRY_METRICS: 'off' } },
  { name: 'metrics only', env: { TELEMETRY_TRACING: 'off' } },
  {
    name: 'docscale 0%',
    env: { TELEMETRY_TRACING: 'docscale', TELEMETRY_TRACE_SAMPLE_RATIO: '0' },
  },
  {
    name: 'docscale 10%',
    env: { TELEMETRY_TRACING: 'docscale', TELEMETRY_TRACE_SAMPLE_RATIO: '0.1' },
  },
  {
    name: 'docscale 100%',
    env: { TELEMETRY_TRACING: 'docscale', TELEMETRY_TRACE_SAMPLE_RATIO: '1' },
  },
  { name: 'stock 10%', env: { TELEMETRY_TRACING: 'stock', TELEMETRY_TRACE_SAMPLE_RATIO: '0.1' } },
];

interface Sample {
  rps: number;
  p99: number;
  cpuUsPerReq: number;
}

async function otlpSink(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
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
  const server = await startServer({ ...variant.env, OTEL_EXPORTER_OTLP_ENDPOINT: ctx.sink });
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

interface Context {
  key: string;
  ids: string[];
  seconds: number;
  sink: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      only: { type: 'string' },
    },
  });
  const pinned = tryPin(process.pid, 1);
  const config = AppConfig.load();
  execFileSync('bash', ['scripts/stack.sh', 'up'], { stdio: 'ignore' });
  await migrate(config);
  const { tenantId, key } = await createTenant(config, 'bench-telemetry');
  await seed(config, { tenant: 'bench-telemetry', documents: 1000, seed: 7 });
  const ids = await documentIds(config, tenantId);
  const sink = await otlpSink();
  const variants = values.only
    ? VARIANTS.filter((v) => values.only!.split(',').includes(v.name))
    : VARIANTS;
  const ctx: Context = { key, ids, seconds: Number(values.duration), sink: sink.url };
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
  const ratios = new Map<string, number[]>(variants.map((v) => [v.name, []]));

  const rounds = Number(values.rounds);
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round, so no variant always runs first or last.
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    const thisRound = new Map<string, Sample>();
    for (const v of order) {
      process.stdout.write(`round ${round + 1}/${rounds}: ${v.name}... `);
      const s = await measure(v, ctx);
      thisRound.set(v.name, s);
      samples.get(v.name)!.push(s);
      console.log(
        `${Math.round(s.rps)} req/s, p99 ${s.p99} ms, ${s.cpuUsPerReq.toFixed(0)} µs CPU/req`,
      );
    }
    const base = thisRound.get('off')?.rps;
    if (base) for (const v of variants) ratios.get(v.name)!.push(thisRound.get(v.name)!.rps / base);
  }
  sink.close();

  console.log(
    `\nGET /v1/documents/:id (auth + one primary-key select), 50 connections, ` +
      `${ctx.seconds} s x ${rounds} rounds; server on core 0, load on core 1${pinned ? '' : ' (taskset unavailable: not pinned)'}`,
  );
  console.log('variant          req/s (median)  vs off   p99 ms  server CPU µs/req');
  for (const v of variants) {
    const s = samples.get(v.name)!;
    const r = ratios.get(v.name)!;
    console.log(
      `${v.name.padEnd(16)} ${String(Math.round(median(s.map((x) => x.rps)))).padStart(14)}  ` +
        `${r.length ? median(r).toFixed(2).padStart(6) : '     -'}  ` +
        `${String(median(s.map((x) => x.p99))).padStart(6)}  ` +
        `${median(s.map((x) => x.cpuUsPerReq))
          .toFixed(0)
          .padStart(17)}`,
    );
  }
}

async function documentIds(config: AppConfig, tenantId: string): Promise<string[]> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: config.env.DATABASE_PRIMARY_URL });
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

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
