/**
 * Read/write split with read-your-writes, as the repositories use it: `read()` runs a statement
 * where the ReadRouter says (falling back to the primary if the chosen replica fails),
 * `readPrimaryFirst()` runs it on the primary (on a replica only while the primary is down), and
 * `afterWrite()` returns the consistency token of everything the caller has committed so far.
 */
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { CounterSeries, PreAggregatedCounter } from '@docscale/telemetry';
import { metrics, trace } from '@opentelemetry/api';
import type { QueryResultRow } from 'pg';
import type { EntityManager } from 'typeorm';
import { ConsistencyPoint, ConsistencyTokens } from './consistency-token';
import { Database } from './database';
import { DATABASE_OPTIONS } from './database.module-definition';
import { DatabaseOptions } from './database.options';
import { failsOnAnyMember, isMemberFailure } from './database-unavailable';
import { Lsn } from './lsn';
import { ReadReason, ReadRouter } from './read-router';
import { ReplicaMonitor, ReplicaState } from './replica-monitor';

/** A routed read's result: what `work` returned, where it ran and how new it is. */
export interface Routed<T> {
  value: T;
  /** `primary` or `replica-<n>`. */
  servedBy: string;
  /**
   * A WAL position the rows are at least as new as: they reflect every write whose consistency
   * token is at or below it. A replica read gives its known replay position; a primary read gives
   * null unless `positioned` was asked for. A cache refuses an entry whose atLsn is below a
   * caller's token.
   */
  atLsn: bigint | null;
}

export interface RoutedRows<T> extends Omit<Routed<T[]>, 'value'> {
  rows: T[];
}

/** The chosen replica has never answered: its pool does not exist yet. */
class NotConnectedError extends Error {
  constructor() {
    super('not connected');
  }
}

export interface ReadOptions {
  /**
   * Measure atLsn for primary reads too (a cache fill needs it): one more round trip, to read
   * the WAL insert position before the statement's snapshot.
   */
  positioned?: boolean;
  /** The tenant the statement is scoped to under row-level security (Database.query). */
  scope?: string;
}

@Injectable()
export class ReadRouting implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly tokens: ConsistencyTokens;
  private readonly router: ReadRouter;
  private readonly monitor: ReplicaMonitor;
  private readonly replicasOn: () => boolean;
  private readonly onRotation: DatabaseOptions['onReplicaRotation'];
  private readonly primaryUnavailable: (err: unknown) => boolean;
  private readonly reads = PreAggregatedCounter.of(
    metrics.getMeter('docscale.database'),
    'docscale.db.reads',
    { description: 'Reads by the member that served them and the reason it was chosen' },
  );
  /** By member, then reason: found without building a key (a read adds to its series). */
  private readonly series = new Map<string, Map<string, CounterSeries>>();
  private readonly log = new Logger('ReadRouting');

  constructor(
    private readonly db: Database,
    @Inject(DATABASE_OPTIONS) options: DatabaseOptions,
  ) {
    this.tokens = new ConsistencyTokens({
      secret: options.tokenSecret,
      previousSecrets: options.tokenPreviousSecrets,
      ttlMs: options.tokenTtlMs ?? 600_000,
    });
    this.router = new ReadRouter({
      mode: options.readConsistency ?? 'token',
      selection: options.replicaSelection ?? 'round-robin',
      windowMs: options.readWindowMs ?? 2000,
    });
    this.monitor = new ReplicaMonitor(
      () => db.primaryPool(),
      () => db.replicas.map((_, i) => db.replicaPool(i)),
      {
        lagPollMs: options.replicaLagPollMs ?? 100,
        maxLagMs: options.replicaMaxLagMs ?? 5000,
        onRotation: options.onReplicaRotation,
      },
    );
    this.replicasOn = options.replicasEnabled ?? (() => true);
    this.onRotation = options.onReplicaRotation;
    this.primaryUnavailable = options.primaryUnavailable ?? isMemberFailure;
  }

  /** After every module's init (the pools exist then), before the server listens. */
  async onApplicationBootstrap(): Promise<void> {
    this.registerGauges();
    if (this.db.replicas.length === 0) return; // nothing to measure
    await this.monitor.poll(); // a first picture before the first request
    // Members already down at start never changed state: say where each one stands.
    for (const r of this.monitor.snapshot()) this.onRotation?.(r.name, r.inRotation);
    this.monitor.start();
  }

  onApplicationShutdown(): void {
    this.monitor.stop();
  }

  replicas(): readonly ReplicaState[] {
    return this.monitor.snapshot();
  }

  /** Parses an `X-Consistency-Token` header; undefined when absent or expired. Throws on a bad token. */
  parseToken(header: string | undefined): ConsistencyPoint | undefined {
    return header === undefined || header === '' ? undefined : this.tokens.parse(header);
  }

  /** The token for a caller who has just committed: the primary's WAL insert position now. */
  async afterWrite(): Promise<string> {
    // The insert position, not pg_current_wal_lsn() or the flush position: with asynchronous
    // commit (synchronous_commit=off) those can still be before the commit record, and a replica
    // that reached them could miss the write. The insert position only moves forward and the
    // commit's WAL was reserved before COMMIT returned, so it is at or past the commit's end.
    let lsn: bigint;
    try {
      lsn = await this.insertPosition();
    } catch (err) {
      // The write is committed: failing the response would invite a duplicate retry. A token
      // no replica can satisfy sends this caller's reads to the primary instead.
      this.log.warn(`write committed but its position is unknown: ${(err as Error).message}`);
      return this.tokens.issue({ lsn: Lsn.MAX, writtenAtMs: Date.now() });
    }
    return this.tokens.issue({ lsn: Lsn.settled(lsn), writtenAtMs: Date.now() });
  }

  async read<T extends QueryResultRow>(
    sql: string,
    params: unknown[],
    point?: ConsistencyPoint,
    options: ReadOptions = {},
  ): Promise<RoutedRows<T>> {
    const { value, servedBy, atLsn } = await this.route(
      point,
      options,
      async (index) => {
        const pool = this.db.replicaPool(index);
        if (!pool) throw new NotConnectedError();
        return (await this.db.on<T>(pool, sql, params, options.scope)).rows;
      },
      () => this.db.query<T>(sql, params, options.scope),
    );
    return { rows: value, servedBy, atLsn };
  }

  /**
   * Like {@link read}, for a repository written the Nest way: `work` gets TypeORM's EntityManager
   * on the member the router chose, in a transaction scoped to `options.scope` (Database.transaction).
   * The same decision, fallback, metrics and atLsn as a raw read, so a TypeORM resource gets the
   * read/write split and read-your-writes with the same consistency token.
   */
  readWith<T>(
    point: ConsistencyPoint | undefined,
    work: (manager: EntityManager) => Promise<T>,
    options: ReadOptions = {},
  ): Promise<Routed<T>> {
    return this.route(
      point,
      options,
      (index) => {
        const source = this.db.replicaSource(index);
        if (!source) throw new NotConnectedError();
        return this.db.transactionOn(source, options.scope, work);
      },
      () => this.db.transaction(options.scope, work),
    );
  }

  /** Where the router says, falling back to the primary when the chosen replica fails. */
  private async route<R>(
    point: ConsistencyPoint | undefined,
    options: ReadOptions,
    onReplica: (index: number) => Promise<R>,
    onPrimary: () => Promise<R>,
  ): Promise<Routed<R>> {
    const replicas = this.monitor.snapshot();
    const decision = this.router.decide(replicas, this.replicasOn(), point);
    if (decision.replica >= 0) {
      const state = replicas[decision.replica];
      try {
        const value = await onReplica(decision.replica);
        this.record(state.name, decision.reason);
        return { value, servedBy: state.name, atLsn: state.replayLsn };
      } catch (err) {
        // A bad query: the primary would refuse it too.
        if (!(err instanceof NotConnectedError) && failsOnAnyMember(err)) throw err;
        this.monitor.trip(decision.replica, `read failed: ${(err as Error).message}`);
        return this.onPrimary(onPrimary, 'replica-failed', options);
      }
    }
    return this.onPrimary(onPrimary, decision.reason, options);
  }

  /**
   * A read that must see every committed write (an API key usable, a revocation effective, the
   * moment it commits) yet keep being served while the primary is down: it runs on the primary,
   * and only when that fails as unavailable (`primaryUnavailable`) on a replica in rotation. Never
   * on the primary twice: with replicas off or none in rotation, or the replica failing too, the
   * primary's error is rethrown at once rather than after a second connect timeout.
   *
   * Only the fallback is counted (`db.read.reason` `primary-down`): a primary-first read is not a
   * routing decision, and counting it would swamp the replica share of the routed reads.
   */
  async readPrimaryFirst<T extends QueryResultRow>(
    sql: string,
    params: unknown[],
  ): Promise<RoutedRows<T>> {
    let primaryErr: unknown;
    try {
      return { rows: await this.db.query<T>(sql, params), servedBy: 'primary', atLsn: null };
    } catch (err) {
      if (!this.primaryUnavailable(err)) throw err;
      primaryErr = err;
    }
    const replicas = this.monitor.snapshot();
    // No token: the read asked for the primary, and any replica in rotation is the best left.
    const decision = this.router.decide(replicas, this.replicasOn(), undefined);
    if (decision.replica < 0) throw primaryErr;
    const state = replicas[decision.replica];
    const pool = this.db.replicaPool(decision.replica);
    try {
      if (!pool) throw new Error('not connected');
      const { rows } = await pool.query<T>(sql, params);
      this.record(state.name, 'primary-down');
      return { rows, servedBy: state.name, atLsn: state.replayLsn };
    } catch (err) {
      if (pool && failsOnAnyMember(err)) throw err; // a bad query: no member would answer it
      this.monitor.trip(decision.replica, `read failed: ${(err as Error).message}`);
      throw primaryErr;
    }
  }

  private async onPrimary<R>(
    run: () => Promise<R>,
    reason: ReadReason | 'replica-failed',
    options: ReadOptions,
  ): Promise<Routed<R>> {
    const before = options.positioned ? await this.insertPosition() : undefined;
    const value = await run();
    this.record('primary', reason);
    return {
      value,
      servedBy: 'primary',
      atLsn: before === undefined ? null : Lsn.seenBefore(before),
    };
  }

  /** The primary's WAL insert position now: a token's after a write, a fill's before a read. */
  private async insertPosition(): Promise<bigint> {
    const [{ lsn }] = await this.db.query<{ lsn: string }>(
      'SELECT pg_current_wal_insert_lsn()::text AS lsn',
    );
    return Lsn.parse(lsn);
  }

  /** One counter add and, inside a sampled trace only, three span attributes. */
  private record(member: string, reason: string): void {
    let byReason = this.series.get(member);
    if (byReason === undefined) this.series.set(member, (byReason = new Map()));
    let series = byReason.get(reason);
    if (series === undefined) {
      const target = member === 'primary' ? 'primary' : 'replica';
      series = this.reads.series({
        'db.read.target': target,
        'db.read.member': member,
        'db.read.reason': reason,
      });
      byReason.set(reason, series);
    }
    series.add();
    trace.getActiveSpan()?.setAttributes(series.attributes);
  }

  private registerGauges(): void {
    const meter = metrics.getMeter('docscale.database');
    const lagBytes = meter.createObservableGauge('docscale.db.replica.lag_bytes', {
      description: 'WAL bytes the primary is ahead of each replica (replay position)',
    });
    const lagMs = meter.createObservableGauge('docscale.db.replica.lag_ms', {
      description: 'How long ago the primary passed each replica replay position',
    });
    const inRotation = meter.createObservableGauge('docscale.db.replica.in_rotation', {
      description: '1 while a replica serves reads, 0 while its breaker has it out',
    });
    meter.addBatchObservableCallback(
      (result) => {
        for (const r of this.monitor.snapshot()) {
          const attrs = { replica: r.name };
          if (r.lagBytes !== undefined) result.observe(lagBytes, r.lagBytes, attrs);
          if (r.lagMs !== undefined) result.observe(lagMs, r.lagMs, attrs);
          result.observe(inRotation, r.inRotation ? 1 : 0, attrs);
        }
      },
      [lagBytes, lagMs, inRotation],
    );
  }
}
