/**
 * Rolling restart: replaces API processes one at a time behind the balancer, with no failed
 * request. The order is what makes it safe: an instance leaves the balancer (and the reload has
 * taken effect) before it gets SIGTERM, so nothing is in flight to it when it closes; the next
 * one goes only once its replacement is ready and back in. It is what Kubernetes does when a pod
 * being replaced fails readiness and its endpoint is removed. With one instance nothing would
 * serve in between, so it needs two or more.
 *
 * `npm run restart:rolling` (this file run directly) asks a running `npm run demo` for one.
 */
import { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExited, waitForReady } from './processes/node-process';
import { Balancer, STACK_DIR } from './balancer';
import { commandLine } from './processes/nginx';

/** What a rolling restart needs of an API process (test/helpers/instances.ts's Instance fits). */
export interface Restartable {
  readonly port: number;
  readonly process: ChildProcess;
  /** Sends SIGTERM and resolves once the process has exited. */
  stop(): Promise<unknown>;
}

export interface RollingRestartOptions<T extends Restartable> {
  balancer: Pick<Balancer, 'setMembers'>;
  /** Restarted in this order; together they are the balancer's members. */
  instances: readonly T[];
  /**
   * Starts the replacement on the same port (free by then); readiness is awaited here. What it
   * starts is the caller's to stop: if the replacement never gets ready, this throws.
   */
  start(port: number): Promise<T>;
  /** How long a replacement may take to answer /health/ready with 200. @defaultValue 30000 */
  readyTimeoutMs?: number;
  log?: (message: string) => void;
}

/** Replaces every instance in turn; resolves with the replacements, in the same order. */
export async function rollingRestart<T extends Restartable>({
  balancer,
  instances,
  start,
  readyTimeoutMs = 30_000,
  log = () => undefined,
}: RollingRestartOptions<T>): Promise<T[]> {
  if (instances.length < 2) {
    throw new Error('a rolling restart needs two instances or more: with one, nothing serves');
  }
  const ports = instances.map((i) => i.port);
  const replaced: T[] = [];
  for (const old of instances) {
    const { port } = old;
    await balancer.setMembers(ports, { down: [port] });
    log(`:${port} (pid ${old.process.pid}) is out of the balancer; stopping it`);
    await old.stop();
    log(`:${port} stopped; starting its replacement`);
    const next = await start(port);
    replaced.push(next);
    const exited = () => hasExited(next.process);
    await waitForReady(`http://127.0.0.1:${port}`, { timeoutMs: readyTimeoutMs, exited });
    await balancer.setMembers(ports);
    log(`:${port} (pid ${next.process.pid}) is ready and back in the balancer`);
  }
  return replaced;
}

/** Where `npm run demo` writes its pid, for `npm run restart:rolling`. */
export const DEMO_PID_FILE = join(STACK_DIR, 'demo.pid');

/** The `npm run restart:rolling` CLI: SIGUSR2 to the running demo, which restarts its APIs. */
function requestFromDemo(): void {
  let pid = 0;
  try {
    pid = Number(readFileSync(DEMO_PID_FILE, 'utf8').trim());
  } catch {
    // no pid file: no demo started (or it stopped cleanly)
  }
  if (!commandLine(pid)?.includes('demo.js')) {
    console.error(
      `no demo is running (${DEMO_PID_FILE} ${pid ? `names pid ${pid}, which is not the demo` : 'does not exist'}).\n` +
        'Start one with `npm run demo` in another terminal, then run this again.',
    );
    process.exit(1);
  }
  process.kill(pid, 'SIGUSR2');
  console.log(
    `asked the demo (pid ${pid}) for a rolling restart of its API instances with this build; ` +
      'its terminal shows the progress.',
  );
}

if (require.main === module) requestFromDemo();
