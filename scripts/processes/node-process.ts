/**
 * One way to run the service's Node processes on this machine, for the demo, the experiments, the
 * benches and the e2e helpers: spawn one (from the build in dist/), on free ports, optionally
 * pinned to a core; wait until it reports ready; stop it and wait for its exit.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './stack';

/** Whether a child process has ended, by exit or by a signal. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A free port other than `taken` (an API's operator listener beside its HTTP port). */
export async function freePortBesides(taken: number): Promise<number> {
  let port = taken;
  while (port === taken) port = await freePort();
  return port;
}

/** Pins `pid` (and its threads) to `core`; false when taskset is missing or refused. */
export function tryPin(pid: number, core: number): boolean {
  return (
    spawnSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' }).status === 0
  );
}

/**
 * Polls `<url>/health/ready` until it answers 200, failing after `timeoutMs` or as soon as
 * `exited()` says the process is gone (its output then explains why).
 */
export async function waitForReady(
  url: string,
  { timeoutMs = 30_000, exited = () => false }: { timeoutMs?: number; exited?: () => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error(`the process behind ${url} exited before it was ready`);
    const res = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (res?.ok) return;
    if (Date.now() > deadline) throw new Error(`${url} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface NodeProcessOptions {
  /** The script, relative to the repository root, e.g. `dist/src/main.js`. */
  entry: string;
  /** On top of this process's environment. */
  env: Record<string, string>;
  /** Before the entry, e.g. `['--require', preload]`. */
  nodeArgs?: string[];
  /**
   * `capture`: kept for output() (tests assert on it); `stderr`: passed through, stdout dropped
   * (measurements); `inherit`: both passed through (the demo).
   */
  output: 'capture' | 'stderr' | 'inherit';
  /** Its own process group, so a Ctrl-C reaches only the script, which then stops it once. */
  detached?: boolean;
  /** The CPU core to pin it to (taskset), when the measurement needs it. */
  core?: number;
}

export interface NodeProcess {
  process: ChildProcess;
  pid: number;
  /** Everything the process wrote, when captured. */
  output(): string;
  /** Resolves with the exit code once the process has exited (null if a signal ended it). */
  exit: Promise<number | null>;
  /** Sends `signal` unless it has exited, and resolves with its exit code once it has. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnNode(options: NodeProcessOptions): NodeProcess {
  const capture = options.output === 'capture';
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(ROOT, options.entry)], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: capture
      ? ['ignore', 'pipe', 'pipe']
      : ['ignore', options.output === 'inherit' ? 'inherit' : 'ignore', 'inherit'],
    detached: options.detached,
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  // Listened for now: a process that exits before stop() is called still resolves it.
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  if (options.core !== undefined) tryPin(child.pid!, options.core);
  return {
    process: child,
    pid: child.pid!,
    output: () => output,
    exit,
    async stop(signal = 'SIGTERM') {
      if (!hasExited(child)) child.kill(signal);
      return exit;
    },
  };
}
