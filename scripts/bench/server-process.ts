import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort, hasExited, waitForReady } from '../api-process';

export const ROOT = join(__dirname, '../../..');

/** Pins `pid` (and its threads) to `core`; false when taskset is missing or refused. */
export function tryPin(pid: number, core: number): boolean {
  return (
    spawnSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' }).status === 0
  );
}

/**
 * Starts a server process pinned to core 0 and waits until /health/ready answers: the API by
 * default, or `entry` (relative to the repository root, e.g. a baseline server in dist/), with
 * `nodeArgs` before it (e.g. a `--require` preload).
 */
export async function startServer(
  env: Record<string, string>,
  entry = 'dist/src/main.js',
  nodeArgs: string[] = [],
) {
  const port = await freePort();
  let operatorPort = port;
  while (operatorPort === port) operatorPort = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, entry)], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      // Unused by the benchmarks, but each process needs a free one.
      OPERATOR_PORT: String(operatorPort),
      INSTANCE_ID: `bench-${port}`,
      // The SPEC's targets compare reads with rate limiting off; a variant turns it on to price it.
      RATE_LIMIT: 'off',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  tryPin(child.pid!, 0);
  const url = `http://127.0.0.1:${port}`;
  await waitForReady(url, { exited: () => hasExited(child) });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
