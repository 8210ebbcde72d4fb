/**
 * Connection-pool gauges for every data source of a process: how many connections each pool has
 * checked out (`used`) and idle, its size, and how many queries wait for a connection. A pool
 * with every connection in use and queries waiting is a resource that has run out before the
 * database itself has: the capacity experiment (scripts/experiments) reads it as `db-pool`, and
 * the alert rules as pool saturation. Observed on collection (a scrape), so they cost nothing
 * per query.
 */
import { metrics } from '@opentelemetry/api';
import type { Pool } from 'pg';

/** The pools to observe, by name (`primary`, `replica-1`, ...); undefined while not connected. */
export type NamedPools = () => [name: string, pool: Pool | undefined][];

export function registerPoolGauges(pools: NamedPools): void {
  const meter = metrics.getMeter('docscale.database');
  const connections = meter.createObservableGauge('docscale.db.pool.connections', {
    description: 'Connections of each pool, by state (used: checked out by a query; idle)',
  });
  const waiting = meter.createObservableGauge('docscale.db.pool.waiting', {
    description: 'Queries waiting for a connection from each pool',
  });
  const max = meter.createObservableGauge('docscale.db.pool.max', {
    description: 'Most connections each pool may open (DATABASE_POOL_SIZE)',
  });
  meter.addBatchObservableCallback(
    (result) => {
      for (const [name, pool] of pools()) {
        if (!pool) continue;
        const attrs = { 'db.pool': name };
        result.observe(connections, pool.totalCount - pool.idleCount, { ...attrs, state: 'used' });
        result.observe(connections, pool.idleCount, { ...attrs, state: 'idle' });
        result.observe(waiting, pool.waitingCount, attrs);
        result.observe(max, pool.options.max ?? 10, attrs);
      }
    },
    [connections, waiting, max],
  );
}
