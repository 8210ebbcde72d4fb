/**
 * Connection-pool gauges for every data source of a process: how many connections each pool has
 * checked out (`used`) and idle, its size, and how many queries wait for a connection. A pool
 * with every connection in use and queries waiting is a resource that has run out before the
 * database itself has: the capacity experiment (scripts/experiments) reads it as `db-pool`, and
 * the alert rules as pool saturation. Observed on collection (a scrape), so they cost nothing
 * per query.
 */
import type { Pool } from 'pg';
import { registerGauges } from './database-gauges';

/** The pools to observe, by name (`primary`, `replica-1`, ...); undefined while not connected. */
export type NamedPools = () => [name: string, pool: Pool | undefined][];

export function registerPoolGauges(pools: NamedPools): void {
  registerGauges(
    {
      connections: {
        name: 'docscale.db.pool.connections',
        description: 'Connections of each pool, by state (used: checked out by a query; idle)',
      },
      waiting: {
        name: 'docscale.db.pool.waiting',
        description: 'Queries waiting for a connection from each pool',
      },
      max: {
        name: 'docscale.db.pool.max',
        description: 'Most connections each pool may open (DATABASE_POOL_SIZE)',
      },
    },
    (observe) => {
      for (const [name, pool] of pools()) {
        if (!pool) continue;
        const attrs = { 'db.pool': name };
        observe('connections', pool.totalCount - pool.idleCount, { ...attrs, state: 'used' });
        observe('connections', pool.idleCount, { ...attrs, state: 'idle' });
        observe('waiting', pool.waitingCount, attrs);
        observe('max', pool.options.max ?? 10, attrs);
      }
    },
  );
}
