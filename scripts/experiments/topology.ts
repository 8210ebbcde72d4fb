/**
 * The local topology an experiment runs against, as scripts/demo.ts builds it: the stack (started
 * unless already up), migrations, an `experiment` tenant with N documents (seeded once, reused by
 * later runs), two API instances and a worker behind nginx (scripts/balancer.ts).
 *
 * The API processes and the worker are pinned to core 0 and this process (the load generator) to
 * core 1, as in SPEC.md's baselines, so the generator does not steal the server's CPU. Rate
 * limiting is off unless a toggle turns it on: SPEC.md's throughput targets are taken without it.
 * Runtime toggles and the queue live under prefixes of their own, so flips made during a run
 * never reach other users of the shared stack (the e2e suites), and a queue burst is measured on
 * a queue that holds only this run's jobs. `stop()` stops what `start()` started, and only that.
 */
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { AppConfig } from '../../src/config';
import { Balancer } from '../balancer';
import {
  freePort,
  hasExited,
  type NodeProcess,
  spawnNode,
  tryPin,
  waitForReady,
} from '../processes/node-process';
import { STACK, stackIsUp } from '../processes/stack';
import { createTenant } from '../create-tenant';
import { localAdminKey } from '../local-admin-key';
import { migrate } from '../migrate';
import { Progress, SILENT } from './progress';
import { rollingRestart } from '../rolling-restart';
import { seed } from '../seed';

const TENANT = 'experiment';

export interface ApiInstance {
  url: string;
  /** Its operator listener (OPERATOR_PORT): /v1/admin/*, /metrics. */
  adminUrl: string;
  pid: number;
}

export interface Topology {
  /** nginx in front of the API instances. */
  url: string;
  apis: ApiInstance[];
  workerPid: number;
  /** The worker's health and /metrics server. */
  workerUrl: string;
  /** Jobs the workers run at once: worker processes × QUEUE_CONCURRENCY. */
  workerSlots: number;
  /** The Redis the processes use (the sampler reads its CPU time). */
  redisUrl: string;
  /** This run's BullMQ prefix (QUEUE_PREFIX): a queue of its own, for scenarios that watch it. */
  queuePrefix: string;
  key: string;
  adminKey: string;
  /** Ids of the seeded documents, in a fixed order (Zipf rank = index). */
  ids: string[];
  /** Whether this process (the load generator) could be pinned to core 1. */
  pinned: boolean;
  /**
   * Replaces the API processes one at a time behind the balancer (scripts/rolling-restart.ts),
   * each on its ports with its environment; `apis` then names the new processes.
   */
  restartApis(log?: (message: string) => void): Promise<void>;
  stop(): Promise<void>;
}

export interface TopologyOptions {
  documents: number;
  /** Environment for every API process and the worker, e.g. `{ CACHE_L1: 'off' }`. */
  toggles: Record<string, string>;
  /** Prints each setup step as it starts and ends (progress.ts). */
  progress?: Progress;
}

async function seededIds(config: AppConfig, wanted: number): Promise<string[]> {
  const client = new Client({ connectionString: config.env.DATABASE_OWNER_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `SELECT d.id FROM documents d JOIN tenants t ON t.id = d.tenant_id
        WHERE t.name = $1 ORDER BY d.id LIMIT $2`,
      [TENANT, wanted],
    );
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const config = AppConfig.load();
  const progress = options.progress ?? SILENT;
  const startedStack = !stackIsUp();
  await progress.step(startedStack ? 'stack: starting' : 'stack: already up', () =>
    execFileSync('bash', [STACK, 'up'], { stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  const children: NodeProcess[] = [];
  let balancer: Balancer | undefined;
  const stop = async () => {
    await balancer?.stop();
    await Promise.all(children.map((c) => c.stop()));
    if (startedStack) execFileSync('bash', [STACK, 'down'], { stdio: 'ignore' });
  };
  try {
    await progress.step('migrate', () => migrate(config));
    let ids = await seededIds(config, options.documents);
    if (ids.length < options.documents) {
      const missing = options.documents - ids.length;
      await progress.step(`seed: ${missing} documents`, () =>
        seed(config, { tenant: TENANT, documents: missing, seed: 7 }),
      );
      ids = await seededIds(config, options.documents);
    }
    const { key } = await createTenant(config, TENANT);
    const env: Record<string, string> = {
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
      RATE_LIMIT: 'off',
      TOGGLES_KEY_PREFIX: 'docscale:experiments:toggles',
      TOGGLE_SYNC_INTERVAL_MS: '200',
      // pattern:queue:begin
      // One queue per run: export jobs are deduplicated by document version, so a queue reused
      // across runs would answer a second burst with the jobs the first one already ran.
      QUEUE_PREFIX: `docscale:experiments:${Date.now()}:queue`,
      // The seed writes documents without indexing jobs; the reconciler would index them 200 a
      // minute in the background, a burst of jobs in the middle of whichever step it lands in.
      // Scenarios that load the queue do so on purpose (queue-burst, write-heavy).
      INDEX_RECONCILE_INTERVAL_MS: String(24 * 60 * 60 * 1000),
      // pattern:queue:end
      ADMIN_API_KEY: localAdminKey(),
      // pattern:rate-limit:begin
      // Off unless a toggle turns it on (RATE_LIMIT above); when on, a tenant's read limit is a
      // small share of what the APIs serve on their one core here, as a limit is meant to be (the
      // default, 1000/s, is more than all of it on a busy machine): the rate-limit scenario's
      // noisy tenant at five times its limit then costs the quiet ones little.
      RATE_LIMIT_READS: process.env.RATE_LIMIT_READS ?? '100',
      // pattern:rate-limit:end
      // pattern:shedding:begin
      // The default bound (500 requests in flight per process) admits a queue that takes about
      // half a second to drain on the one core the APIs share here: p99 would break a 200 ms SLO
      // long before anything is shed, and the shedding scenario would show nothing. 64 per
      // process is above what the closed-loop scenarios hold in flight (≤ 100 connections over
      // two instances), so only an overload sheds.
      LOAD_SHED_MAX_IN_FLIGHT: process.env.LOAD_SHED_MAX_IN_FLIGHT ?? '64',
      // pattern:shedding:end
      ...options.toggles,
    };
    const spawnPinned = (entry: string, extra: Record<string, string>, core = 0) => {
      const child = spawnNode({
        entry: `dist/src/${entry}.js`,
        env: { ...env, ...extra },
        output: 'stderr',
        core,
      });
      children.push(child);
      return child;
    };
    const ports = [await freePort(), await freePort()];
    const operatorPorts = [await freePort(), await freePort()];
    const spawnApi = (i: number) =>
      spawnPinned('main', {
        PORT: String(ports[i]),
        OPERATOR_PORT: String(operatorPorts[i]),
        INSTANCE_ID: `experiment-api-${i + 1}`,
      });
    const apis = ports.map((_, i) => spawnApi(i));
    // pattern:queue:begin
    const workerPort = await freePort();
    // The worker stands in for another machine (in production workers run apart from the API:
    // that is the pattern): on core 1 with the load generator, not competing with the API's core.
    const worker = spawnPinned(
      'worker',
      { WORKER_HEALTH_PORT: String(workerPort), INSTANCE_ID: 'experiment-worker-1' },
      1,
    );
    // pattern:queue:end
    const ready = (port: number, child: NodeProcess) =>
      waitForReady(`http://127.0.0.1:${port}`, { exited: () => hasExited(child.process) });
    const allReady = () =>
      // pattern:queue:begin
      Promise.all([...apis.map((c, i) => ready(ports[i], c)), ready(workerPort, worker)]);
    // pattern:queue:else
    // Promise.all(apis.map((c, i) => ready(ports[i], c)));
    // pattern:queue:end
    await progress.step(`processes: ${children.length} started, waiting until ready`, allReady);
    const lb = await progress.step('balancer', () => new Balancer({ members: ports }).start());
    balancer = lb;
    const instances: ApiInstance[] = apis.map((c, i) => ({
      url: `http://127.0.0.1:${ports[i]}`,
      adminUrl: `http://127.0.0.1:${operatorPorts[i]}`,
      pid: c.pid,
    }));
    const asRestartable = (c: NodeProcess, i: number) => ({
      port: ports[i],
      process: c.process,
      stop: () => c.stop(),
    });
    const restartApis = async (log?: (message: string) => void) => {
      await rollingRestart({
        balancer: lb,
        instances: apis.map(asRestartable),
        start: async (port) => {
          const i = ports.indexOf(port);
          apis[i] = spawnApi(i);
          // The sampler reads `pid` each second: it follows the new process from here.
          instances[i].pid = apis[i].pid;
          return asRestartable(apis[i], i);
        },
        log,
      });
    };
    return {
      url: lb.url,
      apis: instances,
      // pattern:queue:begin
      workerPid: worker.pid,
      workerUrl: `http://127.0.0.1:${workerPort}`,
      workerSlots: Number(env.QUEUE_CONCURRENCY ?? config.env.QUEUE_CONCURRENCY),
      // pattern:queue:else
      // // No worker: its fields name the first API (no queue metrics there, so no queue figures).
      // workerPid: apis[0].pid,
      // workerUrl: `http://127.0.0.1:${operatorPorts[0]}`,
      // workerSlots: 0,
      // pattern:queue:end
      redisUrl: config.env.REDIS_URL,
      // pattern:queue:begin
      queuePrefix: env.QUEUE_PREFIX,
      // pattern:queue:else
      // queuePrefix: '',
      // pattern:queue:end
      key,
      adminKey: env.ADMIN_API_KEY,
      ids,
      pinned: tryPin(process.pid, 1),
      restartApis,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
