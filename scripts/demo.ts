/**
 * `npm run demo`: everything on a fresh machine. Starts the local stack (unless it already runs),
 * migrates, seeds a demo tenant, starts two API instances and a worker, nginx in front of the API
 * instances, prints the URLs, the demo API key, the stack's random admin key (scripts/local-admin-key.ts)
 * and ready curls, then waits. SIGUSR2 (`npm run
 * restart:rolling`) restarts the API instances one by one behind nginx. Ctrl-C stops what it
 * started, and only that.
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { AppConfig } from '../src/config';
import { hasExited, spawnNode, waitForReady } from './processes/node-process';
import { STACK, stackIsUp } from './processes/stack';
import { Balancer } from './balancer';
import { createTenant } from './create-tenant';
import { ADMIN_KEY_FILE, localAdminKey } from './local-admin-key';
import { migrate } from './migrate';
import { DEMO_PID_FILE, Restartable, rollingRestart } from './rolling-restart';
import { describeRuntime } from './runtime';
import { seed } from './seed';

async function documentCount(config: AppConfig, tenant: string): Promise<number> {
  const client = new Client({ connectionString: config.env.DATABASE_OWNER_URL });
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
  const { process: child } = spawnNode({
    entry: `dist/src/${entry}.js`,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ADMIN_API_KEY: localAdminKey(), ...env },
    output: 'inherit',
    // Its own process group: Ctrl-C reaches only this script, which then sends one SIGTERM (a
    // second signal would make the instances skip their graceful shutdown).
    detached: true,
  });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping && !retiring.has(child)) {
      console.error(`${entry} (${env.INSTANCE_ID}) exited: ${code ?? signal}`);
    }
    retiring.delete(child);
  });
  return child;
}

/** Where the API instance on `port` serves the operator plane: 3200, 3201 by default. */
const operatorPort = (port: number) => port + 200;

/** API instance `n` on `port`, as the rolling restart handles it. */
function startApi(n: number, port: number): Restartable {
  const child = start('main', {
    PORT: String(port),
    OPERATOR_PORT: String(operatorPort(port)),
    INSTANCE_ID: `api-${n}`,
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = () => {
    retiring.add(child); // stopped on purpose: its exit is no news
    child.kill('SIGTERM');
    return exited;
  };
  return { port, process: child, stop };
}

/** Ready, or failing at once if the process dies (a port already taken, say), not after a timeout. */
function ready(port: number, child: ChildProcess): Promise<void> {
  return waitForReady(`http://127.0.0.1:${port}`, { exited: () => hasExited(child) });
}

/** SIGUSR2 (`npm run restart:rolling`): the API instances replaced one at a time behind nginx. */
function restartOnSignal(lb: Balancer, apis: Restartable[]): void {
  let restarting = false;
  process.on('SIGUSR2', () => {
    if (restarting) return console.log('a rolling restart is already running');
    restarting = true;
    console.log('rolling restart of the API instances, one at a time behind nginx:');
    rollingRestart({
      balancer: lb,
      instances: [...apis],
      // Replacements go into `apis` as they start: the next restart sees the current ones.
      start: async (port) => {
        const i = apis.findIndex((a) => a.port === port);
        return (apis[i] = startApi(i + 1, port));
      },
      log: (message) => console.log(`  ${message}`),
    })
      .then(() => console.log('rolling restart done'))
      .catch((err: Error) => {
        if (!stopping) console.error(`rolling restart failed: ${err.message}`);
      })
      .finally(() => (restarting = false));
  });
}

let stopping = false;
const children = new Set<ChildProcess>();
const retiring = new Set<ChildProcess>();
let balancer: Balancer | undefined;
let startedStack = false;

/** Stops what this script started, and only that: its processes, and the stack if it started it. */
async function stop(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping...');
    rmSync(DEMO_PID_FILE, { force: true });
    await balancer?.stop();
    await Promise.all(
      [...children].map((c) =>
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
      'lb-port': { type: 'string', default: '8080' },
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

  const apis = [1, 2].map((n) => startApi(n, basePort + n - 1));
  const worker = start('worker', {
    WORKER_HEALTH_PORT: String(basePort + 100),
    INSTANCE_ID: 'worker-1',
  });
  await Promise.all([...apis.map((a) => ready(a.port, a.process)), ready(basePort + 100, worker)]);
  const lb = new Balancer({
    port: Number(values['lb-port']),
    members: apis.map((a) => a.port),
    stdio: 'inherit',
  });
  balancer = lb;
  await lb.start();
  lb.process.on('exit', (code, signal) => {
    if (!stopping) console.error(`nginx exited: ${code ?? signal}`);
  });
  writeFileSync(DEMO_PID_FILE, `${process.pid}\n`);
  restartOnSignal(lb, apis);

  const api = (i: number) => `http://127.0.0.1:${apis[i].port}`;
  const operator = (i: number) => `http://127.0.0.1:${operatorPort(apis[i].port)}`;
  const adminKey = localAdminKey();
  console.log(`
docscale demo is running (${(await documentCount(config, 'demo')).toLocaleString()} documents for tenant "demo")
on ${describeRuntime()}

  load balancer    ${lb.url}   (nginx with docker/nginx/docscale.conf)
  API instance 1   ${api(0)}
  API instance 2   ${api(1)}
  worker health    http://127.0.0.1:${basePort + 100}/health/ready
  OpenAPI          ${lb.url}/docs
  readiness        ${api(0)}/health/ready   (per instance; nginx does not route /health)

  operator plane   ${operator(0)}, ${operator(1)}   (OPERATOR_PORT of each instance, loopback only;
                   /v1/admin/* and /metrics answer there and nowhere else: 404 through nginx)
  metrics          ${operator(0)}/metrics

  demo API key     ${key}
  admin key        ${adminKey}
                   (ADMIN_API_KEY: ${process.env.ADMIN_API_KEY ? 'from the environment' : `random for this stack, kept in ${ADMIN_KEY_FILE}`})

Try:
  curl -s -H 'Authorization: Bearer ${key}' '${lb.url}/v1/documents?limit=3'
  curl -s -X POST -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
       -d '{"title":"Hello","body":"First document","tags":["demo"]}' ${lb.url}/v1/documents
  curl -s -H 'Authorization: Bearer ${adminKey}' ${operator(0)}/v1/admin/toggles

Rolling restart of the API instances onto the current build, with no failed request:
  npm run restart:rolling

Ctrl-C stops nginx, the API instances and the worker${startedStack ? ' and the local stack' : ''}.
`);
}

main().catch((err: Error) => {
  console.error(`demo failed: ${err.message}`);
  void stop(1);
});
