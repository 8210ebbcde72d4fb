/**
 * The data sources of one process: the primary and each streaming replica, each with its own pool.
 *
 * The primary must be reachable for the process to start: the service cannot do its job without
 * it. A replica that is down at start is not: it is initialised lazily and reported by the health
 * check, and reads keep going to the primary until it answers. (Without the read-replicas
 * pattern, the primary is the only member.)
 */
// pattern:read-replicas:begin
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
// pattern:read-replicas:else
// import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
// pattern:read-replicas:end
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { createDataSource, poolOf } from './data-source.factory';
import { DATABASE_OPTIONS } from './database.module-definition';
import { CallPolicy, DatabaseOptions } from './database.options';
import { NamedPools, registerPoolGauges } from './pool-gauges';
import { assertSettingName, queryScoped } from './scoped-query';

const DIRECT: CallPolicy = { execute: (work) => work() };

// pattern:read-replicas:begin
export interface ReplicaStatus {
  url: string;
  reachable: boolean;
  /** Bytes of WAL the replica has received but not yet replayed, or that it has not received. */
  lagBytes?: number;
  error?: string;
}
// pattern:read-replicas:end

@Injectable()
export class Database implements OnModuleInit, OnApplicationShutdown {
  readonly primary: DataSource;
  // pattern:read-replicas:begin
  private readonly log = new Logger(Database.name);
  readonly replicas: DataSource[];
  private readonly initializing = new Map<DataSource, Promise<void>>();
  // pattern:read-replicas:end
  private readonly calls: CallPolicy;
  private readonly scopeSetting?: string;

  // pattern:read-replicas:begin
  constructor(@Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions) {
    // pattern:read-replicas:else
    // constructor(@Inject(DATABASE_OPTIONS) options: DatabaseOptions) {
    // pattern:read-replicas:end
    this.primary = createDataSource(options.primaryUrl, options);
    // pattern:read-replicas:begin
    this.replicas = options.replicaUrls.map((url) => createDataSource(url, options));
    // pattern:read-replicas:end
    this.calls = options.primaryCalls ?? DIRECT;
    this.scopeSetting =
      options.scopeSetting === undefined ? undefined : assertSettingName(options.scopeSetting);
    registerPoolGauges(this.pools);
  }

  async onModuleInit(): Promise<void> {
    await this.primary.initialize();
    // pattern:read-replicas:begin
    await Promise.all(this.replicas.map((r) => this.ensureInitialized(r).catch(() => undefined)));
    // pattern:read-replicas:end
  }

  async onApplicationShutdown(): Promise<void> {
    // pattern:read-replicas:begin
    const all = [this.primary, ...this.replicas].filter((d) => d.isInitialized);
    await Promise.allSettled(all.map((d) => d.destroy()));
    // pattern:read-replicas:else
    // if (this.primary.isInitialized) await this.primary.destroy();
    // pattern:read-replicas:end
  }

  /**
   * One statement on the primary's pool, straight through node-postgres. The hot paths use this
   * rather than `DataSource.query()`, which builds a QueryRunner, checks a client out and back in
   * and broadcasts events per call: several promises and allocations each request pays for, and
   * that tracing's context propagation then pays for again (docs/patterns/telemetry.md).
   *
   * `scope`: the tenant whose rows the statement may see and write under row-level security
   * (`scopeSetting`); omitted only by statements on tables without policies.
   */
  async query<T extends QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    scope?: string,
  ): Promise<T[]> {
    return (await this.calls.execute(() => this.on<T>(this.primaryPool(), sql, params, scope)))
      .rows;
  }

  /** Like {@link query}, for statements whose affected row count matters (UPDATE, DELETE). */
  async execute<T extends QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    scope?: string,
  ): Promise<{ rows: T[]; rowCount: number }> {
    const result = await this.calls.execute(() =>
      this.on<T>(this.primaryPool(), sql, params, scope),
    );
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  /** One statement on `pool` (the primary's or a replica's), in `scope` (see {@link query}). */
  on<T extends QueryResultRow>(
    pool: Pool,
    sql: string,
    params: unknown[],
    scope?: string,
  ): Promise<QueryResult<T>> {
    return queryScoped<T>(pool, sql, params, this.scopeSetting, scope);
  }

  /**
   * `work` in one transaction on the primary, with TypeORM's EntityManager: for repositories
   * written the Nest way (Repository, QueryBuilder). Scoped like {@link query}: the setting is set
   * first, transaction-local, so row-level security sees the tenant in every statement of `work`.
   * Costs BEGIN, the setting and COMMIT on top of the statements: the hot paths use query().
   */
  transaction<T>(
    scope: string | undefined,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    return this.calls.execute(() => this.transactionOn(this.primary, scope, work));
  }

  /** Like {@link transaction}, on `source` (the primary's, or a replica's for ReadRouting.readWith). */
  transactionOn<T>(
    source: DataSource,
    scope: string | undefined,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    return source.transaction(async (manager) => {
      if (this.scopeSetting !== undefined && scope !== undefined) {
        await manager.query('SELECT set_config($1, $2, true)', [this.scopeSetting, scope]);
      }
      return work(manager);
    });
  }

  /**
   * `work` on one client of the primary's pool, for statements that must share a connection (a
   * transaction by hand, as the outbox relay's). A checked-out client has lost the pool's 'error'
   * listener: a connection that dies between statements (the primary stopped while `work` awaits
   * something else) would emit 'error' with no listener and end the process. Held here instead:
   * the next statement fails, and `work` with it. The client goes back to the pool only when
   * `work` succeeded on a live connection; otherwise it is destroyed, never reused (the server
   * rolls back a transaction it left open). Not through `primaryCalls`: `work` is many calls.
   */
  async withPrimaryClient<R>(work: (client: PoolClient) => Promise<R>): Promise<R> {
    const client = await this.primaryPool().connect();
    let lost: Error | undefined;
    const onLost = (err: Error) => (lost = err);
    client.on('error', onLost);
    let failed = false;
    try {
      return await work(client);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      client.off('error', onLost);
      client.release(lost ?? failed);
    }
  }

  /** The primary's pg pool (for the read router and the lag monitor). */
  primaryPool(): Pool {
    return poolOf(this.primary);
  }

  /** Every pool by member name, without connecting a replica that never answered (for gauges). */
  readonly pools: NamedPools = () => [
    ['primary', this.primary.isInitialized ? this.primaryPool() : undefined],
    // pattern:read-replicas:begin
    ...this.replicas.map((r, i): [string, Pool | undefined] => [
      `replica-${i + 1}`,
      r.isInitialized ? poolOf(r) : undefined,
    ]),
    // pattern:read-replicas:end
  ];

  // pattern:read-replicas:begin
  /**
   * Replica `index`'s pg pool, or undefined while it has never been reachable (a connection
   * attempt is then started in the background, so it joins once it answers).
   */
  replicaPool(index: number): Pool | undefined {
    const replica = this.replicas[index];
    if (replica.isInitialized) return poolOf(replica);
    void this.ensureInitialized(replica).catch(() => undefined);
    return undefined;
  }

  /** Replica `index`'s data source, or undefined while it has never been reachable (as replicaPool). */
  replicaSource(index: number): DataSource | undefined {
    return this.replicaPool(index) === undefined ? undefined : this.replicas[index];
  }
  // pattern:read-replicas:end

  /** Round trip to the primary; throws when it cannot answer. */
  async pingPrimary(): Promise<void> {
    await this.query('SELECT 1');
  }

  // pattern:read-replicas:begin

  /**
   * Reachability and replay lag of every replica, measured against the primary's WAL position.
   * With the primary unreachable, replicas are still probed; their lag is then unknown.
   */
  async replicaStatus(): Promise<ReplicaStatus[]> {
    const lsn = await this.primary
      .query('SELECT pg_current_wal_lsn()::text AS lsn')
      .then((rows: { lsn: string }[]) => rows[0].lsn)
      .catch(() => null);
    return Promise.all(
      this.replicas.map(async (replica, i): Promise<ReplicaStatus> => {
        const url = redact(this.options.replicaUrls[i]);
        try {
          await this.ensureInitialized(replica);
          const [row] = (await replica.query(
            `SELECT pg_is_in_recovery() AS standby,
                    pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::bigint AS lag`,
            [lsn],
          )) as { standby: boolean; lag: string | null }[];
          if (!row.standby) return { url, reachable: true, error: 'not a standby' };
          const lagBytes = row.lag === null ? undefined : Math.max(0, Number(row.lag));
          return { url, reachable: true, lagBytes };
        } catch (err) {
          return { url, reachable: false, error: (err as Error).message };
        }
      }),
    );
  }

  /** One initialisation at a time per data source: concurrent health checks share it. */
  private async ensureInitialized(ds: DataSource): Promise<void> {
    if (ds.isInitialized) return;
    let pending = this.initializing.get(ds);
    if (!pending) {
      pending = ds
        .initialize()
        .then(() => undefined)
        .catch((err: Error) => {
          this.log.warn(`replica not reachable yet: ${err.message}`);
          throw err;
        })
        .finally(() => this.initializing.delete(ds));
      this.initializing.set(ds, pending);
    }
    await pending;
  }
  // pattern:read-replicas:end
}

/**
 * The URL without secrets, for health output and logs: the password is masked and the query
 * string (where pg also accepts `password=` and TLS key paths) is dropped.
 */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  u.search = '';
  return u.toString();
}
