/**
 * `npm run demo`: everything on a fresh machine. Starts the local stack (unless it already runs),
 * migrates, seeds a demo tenant, starts two API instances and a worker, prints the URLs, the
 * demo API key and a ready curl, then waits. Ctrl-C stops what it started, and only that.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { AppConfig } from '../src/config';
import { waitForReady } from './api-process';
import { createTenant } from './create-tenant';
import { migrate } from './migrate';
import { seed } from './seed';

const ROOT = join(__dirname, '../..');
const STACK = join(ROOT, 'scripts/stack.sh');

function stackIsUp(): boolean {
  try {
    execFileSync('bash', [STACK, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function documentCount(config: AppConfig, tenant: string): Promise<number> {
  const client = new Client({ connectionString: config.env.DATABASE_PRIMARY_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM documents d JOIN tenants t ON t.id = d.tenant_id WHERE t.name = $1`,
      [tenant],
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

function start(entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src', `${entry}.js`)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group: Ctrl-C reaches only this script, which then sends one SIGTERM (a
    // second signal would make the instances skip their graceful shutdown).
    detached: true,
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${entry} (${env.INSTANCE_ID}) exited: ${code ?? signal}`);
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];
let startedStack = false;

/** Stops what this script started, and only that: its processes, and the stack if it started it. */
async function stop(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping...');
    await Promise.all(
      children.map((c) =>
        c.exitCode === null ? new Promise((r) => c.once('exit', r).kill('SIGTERM')) : undefined,
      ),
    );
    if (startedStack) execFileSync('bash', [STACK, 'down'], { stdio: 'inherit' });
  }
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      documents: { type: 'string', default: '20000' },
      'base-port': { type: 'string', default: '3000' },
    },
  });
  const config = AppConfig.load();
  const basePort = Number(values['base-port']);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stop(0));
  }
  startedStack = !stackIsUp();
  execFileSync('bash', [STACK, 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await migrate(config);

  const wanted = Number(values.documents);
  const have = await documentCount(config, 'demo');
  if (have < wanted) {
    const r = await seed(config, { tenant: 'demo', documents: wanted - have });
    console.log(`seeded ${r.inserted} documents in ${r.seconds.toFixed(1)} s`);
  }
  const { key } = await createTenant(config, 'demo');

  const apis = [1, 2].map((n) => ({ n, url: `http://127.0.0.1:${basePort + n - 1}` }));
  children.push(
    ...apis.map(({ n }) =>
      start('main', { PORT: String(basePort + n - 1), INSTANCE_ID: `api-${n}` }),
    ),
    start('worker', { WORKER_HEALTH_PORT: String(basePort + 100), INSTANCE_ID: 'worker-1' }),
  );
  // An instance that dies (a port already taken, say) fails the demo at once, not after a timeout.
  const urls = [...apis.map((a) => a.url), `http://127.0.0.1:${basePort + 100}`];
  await Promise.all(
    urls.map((url, i) => waitForReady(url, { exited: () => children[i].exitCode !== null })),
  );
  const [first] = apis;
  console.log(`
docscale demo is running (${(await documentCount(config, 'demo')).toLocaleString()} documents for tenant "demo")

  API instance 1   ${apis[0].url}
  API instance 2   ${apis[1].url}
  worker health    http://127.0.0.1:${basePort + 100}/health/ready
  OpenAPI          ${first.url}/docs
  metrics          ${first.url}/metrics
  readiness        ${first.url}/health/ready

  demo API key     ${key}
  admin key        ${config.env.ADMIN_API_KEY}   (ADMIN_API_KEY; for /v1/admin/toggles)

Try:
  curl -s -H 'Authorization: Bearer ${key}' '${first.url}/v1/documents?limit=3'
  curl -s -X POST -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
       -d '{"title":"Hello","body":"First document","tags":["demo"]}' ${first.url}/v1/documents

Ctrl-C stops the API instances and the worker${startedStack ? ' and the local stack' : ''}.
`);
}

main().catch((err: Error) => {
  console.error(`demo failed: ${err.message}`);
  void stop(1);
});
