import type { MixedList, EntitySchema } from 'typeorm';
// pattern:read-replicas:begin
import type { ReadConsistencyMode, ReplicaSelection } from './read-router';
// pattern:read-replicas:end

/**
 * What every primary statement runs through: a circuit breaker in the app (libs/resilience), so a
 * primary that is down fails requests at once instead of each waiting out the connect timeout.
 * A port, so this lib does not depend on the breaker's.
 */
export interface CallPolicy {
  execute<T>(work: () => Promise<T>): Promise<T>;
}

/** Options of the database module: one primary, zero or more streaming replicas. */
export interface DatabaseOptions {
  /** The primary: every write, and every read inside a write transaction. */
  primaryUrl: string;
  // pattern:read-replicas:begin
  /** Streaming replicas of the primary, for reads. May be empty. */
  replicaUrls: string[];
  // pattern:read-replicas:end
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
  /**
   * The transaction-local setting that row-level security policies read (`prefix.name`), set to a
   * statement's `scope` (the tenant) in the statement's own round trip (scoped-query.ts). Unset,
   * statements run as given and `scope` is ignored: for a role that row security does not apply
   * to (the table owner, BYPASSRLS), or tables without policies.
   */
  scopeSetting?: string;
  /**
   * Secret that signs consistency tokens; every instance must share it.
   */
  tokenSecret: string;
  /**
   * A rotation's old secrets: tokens they signed are still accepted, none is signed with them.
   * @defaultValue []
   */
  tokenPreviousSecrets?: readonly string[];
  /**
   * How long a token is honoured after its write, in ms; an expired one is ignored. Must exceed
   * the replicas' maximum lag in rotation (consistency-token.ts).
   * @defaultValue 600000
   */
  tokenTtlMs?: number;
  // pattern:read-replicas:begin
  /**
   * How a read that follows the caller's write is kept from being stale (read-router.ts).
   * @defaultValue 'token'
   */
  readConsistency?: ReadConsistencyMode;
  /**
   * `window` mode: how long after a write the caller's reads go to the primary, in ms.
   * @defaultValue 2000
   */
  readWindowMs?: number;
  /**
   * Which replica a read goes to among those eligible.
   * @defaultValue 'round-robin'
   */
  replicaSelection?: ReplicaSelection;
  /**
   * A replica lagging more than this (ms) leaves the rotation until it catches up.
   * @defaultValue 5000
   */
  replicaMaxLagMs?: number;
  /**
   * How often each replica's replay position is measured, in ms.
   * @defaultValue 100
   */
  replicaLagPollMs?: number;
  /**
   * Whether replicas serve reads right now (the READ_REPLICAS toggle); asked on every read.
   * @defaultValue () => true
   */
  replicasEnabled?: () => boolean;
  // pattern:read-replicas:end
  /**
   * Runs every statement on the primary (see CallPolicy).
   * @defaultValue runs the statement as is
   */
  primaryCalls?: CallPolicy;
  // pattern:read-replicas:begin
  /**
   * Whether a failed primary statement means the primary is unavailable, so that
   * `ReadRouting.readPrimaryFirst` may ask a replica instead. The app adds its breaker's
   * open-circuit error (which `primaryCalls` throws without trying the primary).
   * @defaultValue isMemberFailure
   */
  primaryUnavailable?: (err: unknown) => boolean;
  /**
   * Told when a replica leaves or rejoins the rotation (its breaker opens or closes), with the
   * replica's name (`replica-1`, ...).
   */
  onReplicaRotation?: (name: string, inRotation: boolean) => void;
  // pattern:read-replicas:end
}
