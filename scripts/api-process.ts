/** What the demo, the benchmarks and the e2e helpers share to run API processes on this machine. */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** scripts/stack.sh, from scripts/ (ts-jest) or dist/scripts/ (the build). */
export const STACK = join(
  __dirname,
  __dirname.includes('/dist/') ? '../../scripts' : '.',
  'stack.sh',
);

/**
 * `scripts/stack.sh <args>`, quietly: e.g. `stop-member redis` in a fault test. The environment is
 * inherited, so STACK_* pick the stack this run uses.
 */
export function stack(...args: string[]): void {
  execFileSync('bash', [STACK, ...args], { stdio: 'ignore' });
}

/** Whether a child process has ended, by exit or by a signal. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Whether the local stack already runs (so a script that starts it knows to stop it after). */
export function stackIsUp(): boolean {
  try {
    stack('status');
    return true;
  } catch {
    return false;
  }
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
