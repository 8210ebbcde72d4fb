/**
 * API instances behind nginx (scripts/balancer.ts, with docker/nginx/docscale.conf): what the
 * load-balancer suites start, and stop afterwards, replacements included.
 */
import { Balancer } from '../../scripts/balancer';
import { Instance, spawnProcess, startInstances, stopAll } from './instances';

export interface BalancedInstances {
  balancer: Balancer;
  /** The members as started, in the balancer's order. */
  instances: Instance[];
  /** Starts an API instance on `port` with the same environment (for a rolling restart). */
  spawn(port: number): Promise<Instance>;
  /** Stops nginx and every instance ever started here. */
  stop(): Promise<void>;
}

export async function startBalancedInstances(
  n: number,
  env: Record<string, string> = {},
): Promise<BalancedInstances> {
  const instances = await startInstances(n, env);
  const started = [...instances];
  const balancer = new Balancer({ members: instances.map((i) => i.port) });
  try {
    await balancer.start();
  } catch (err) {
    await stopAll(instances);
    throw err;
  }
  return {
    balancer,
    instances,
    async spawn(port) {
      const instance = await spawnProcess('main', env, port);
      started.push(instance);
      return instance;
    },
    async stop() {
      await balancer.stop();
      await stopAll(started);
    },
  };
}
