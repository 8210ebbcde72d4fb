import type { MixedList, EntitySchema } from 'typeorm';

/** Options of the database module: one primary, zero or more streaming replicas. */
export interface DatabaseOptions {
  /** The primary: every write, and every read inside a write transaction. */
  primaryUrl: string;
  /** Streaming replicas of the primary, for reads. May be empty. */
  replicaUrls: string[];
  /** TypeORM entities (the app's; this lib knows none). */
  entities: MixedList<string | (new () => unknown) | EntitySchema>;
  /**
   * Connections per pool (one pool per member, per process).
   * @defaultValue 10
   */
  poolSize?: number;
  /**
   * Server-side `statement_timeout` of every connection: a runaway query is cancelled by Postgres.
   * @defaultValue 5000
   */
  statementTimeoutMs?: number;
  /**
   * How long to wait for a new connection before failing the query.
   * @defaultValue 3000
   */
  connectTimeoutMs?: number;
  /** `application_name` shown in pg_stat_activity, so a DBA can tell instances apart. */
  applicationName?: string;
}
