import { freePort, freePortBesides, spawnNode, waitForReady } from '../../processes/node-process';

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
  const operatorPort = await freePortBesides(port);
  const server = spawnNode({
    entry,
    nodeArgs,
    output: 'stderr',
    core: 0,
    env: {
      LOG_LEVEL: 'warn',
      PORT: String(port),
      // Unused by the benchmarks, but each process needs a free one.
      OPERATOR_PORT: String(operatorPort),
      INSTANCE_ID: `bench-${port}`,
      // The SPEC's targets compare reads with rate limiting off; a variant turns it on to price it.
      RATE_LIMIT: 'off',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  void server.exit.then(() => (exited = true));
  try {
    await waitForReady(url, { exited: () => exited });
  } catch (err) {
    // Not ready: stop it here, or it outlives the bench pinned to its core and holding its ports.
    await server.stop();
    throw err;
  }
  return { url, pid: server.pid, stop: () => server.stop().then(() => undefined) };
}
