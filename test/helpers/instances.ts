/**
 * Starts real API (or worker) processes from the build in dist/, on free ports, and waits for
 * them to report ready. Later suites start two or more to prove the handlers are stateless.
 */
import type { ChildProcess } from 'node:child_process';
import {
  freePort,
  freePortBesides,
  spawnNode,
  waitForReady,
} from '../../scripts/processes/node-process';

export interface Instance {
  url: string;
  /**
   * Where the operator plane (/v1/admin/*, /metrics) answers: an API's operator listener
   * (OPERATOR_PORT, a free port of its own), a worker's health port.
   */
  adminUrl: string;
  port: number;
  process: ChildProcess;
  /** Everything the process wrote, for assertions and for failure messages. */
  output(): string;
  /** Resolves with the exit code once the process has exited (null if a signal ended it). */
  exit: Promise<number | null>;
  /** Sends `signal` and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `node dist/src/<entry>.js` and resolves once it listens (no readiness wait). */
export async function spawnProcess(
  entry: 'main' | 'worker',
  env: Record<string, string> = {},
  port?: number,
): Promise<Instance> {
  port ??= await freePort();
  const portKey = entry === 'main' ? 'PORT' : 'WORKER_HEALTH_PORT';
  const operatorPort =
    entry !== 'main'
      ? port
      : env.OPERATOR_PORT
        ? Number(env.OPERATOR_PORT)
        : await freePortBesides(port);
  const child = spawnNode({
    entry: `dist/src/${entry}.js`,
    output: 'capture',
    env: {
      LOG_LEVEL: 'warn',
      // Functional suites read what they just wrote without carrying consistency tokens, so by
      // default every read goes to the primary; the read/write-split suites turn replicas on.
      READ_REPLICAS: 'off',
      // pattern:rate-limit:begin
      // Functional suites send bursts from one tenant; the rate-limit and fault suites turn it on.
      RATE_LIMIT: 'off',
      // pattern:rate-limit:end
      INSTANCE_ID: `test-${entry}-${port}`,
      [portKey]: String(port),
      ...(entry === 'main' ? { OPERATOR_PORT: String(operatorPort) } : {}),
      ...env,
    },
  });
  return {
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${operatorPort}`,
    port,
    process: child.process,
    output: child.output,
    exit: child.exit,
    stop: child.stop,
  };
}

/**
 * Starts `n` API instances (on `ports` when given, else on free ports) and waits until each
 * answers /health/ready with 200.
 */
export async function startInstances(
  n: number,
  env: Record<string, string> = {},
  ports: number[] = [],
): Promise<Instance[]> {
  const instances = await Promise.all(
    Array.from({ length: n }, (_, i) => spawnProcess('main', env, ports[i])),
  );
  try {
    await Promise.all(instances.map((i) => waitReady(i)));
  } catch (err) {
    // The suite never gets the list, so its afterAll cannot stop the ones that did start.
    await Promise.all(instances.map((i) => i.stop()));
    throw err;
  }
  return instances;
}

export function waitReady(instance: Instance, timeoutMs = 20_000): Promise<void> {
  const exited = () => instance.process.exitCode !== null;
  return waitForReady(instance.url, { timeoutMs, exited }).catch((err: Error) => {
    throw new Error(`${err.message}\n${instance.output()}`);
  });
}

export async function stopAll(instances: Instance[]): Promise<void> {
  // An instance that crashed on its own (a non-zero exit; tests stop theirs with signals, and a
  // graceful stop exits 0) explains a test's refused connections: say so, with its last output.
  for (const i of instances) {
    if (i.process.exitCode !== null && i.process.exitCode !== 0) {
      console.error(
        `instance ${i.url} had exited with code ${i.process.exitCode} before it was stopped; its last output:\n${i.output().slice(-4000)}`,
      );
    }
  }
  await Promise.all(instances.map((i) => i.stop()));
}
