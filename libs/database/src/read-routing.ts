/**
 * Read/write split with read-your-writes, as the repositories use it: `read()` runs a statement
 * where the ReadRouter says (falling back to the primary if the chosen replica fails),
 * `readWith()` does the same for TypeORM work, `readPrimaryFirst()` runs a statement on the
 * primary (on a replica only while the primary is down), and `afterWrite()` returns the
 * consistency token of everything the caller has committed so far; the WAL positions are
 * write-position.ts's.
 *
 * Without read replicas (`npm run pattern:remove -- read-replicas`) every read runs on the
 * primary, which has every committed write: a token then routes nothing, but still carries the
 * write's WAL position, which a cache checks its entries against (docs/api.md).
 */
// pattern:read-replicas:begin
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
// pattern:read-replicas:else
// import { Inject, Injectable, Logger } from '@nestjs/common';
// pattern:read-replicas:end
import type { QueryResultRow } from 'pg';
import type { EntityManager } from 'typeorm';
import { ConsistencyPoint, ConsistencyTokens } from './consistency-token';
import { Database } from './database';
import { DATABASE_OPTIONS } from './database.module-definition';
import { DatabaseOptions } from './database.options';
import { Lsn } from './lsn';
// pattern:read-replicas:begin
// Where a read runs, its fallbacks and the reads counter: replica-reads.ts.
import { NotConnectedError, PrimaryReason, ReplicaReads } from './replica-reads';
import type { ReplicaState } from './replica-monitor';
// pattern:read-replicas:end
import type { ReadOptions, Routed, RoutedRows } from './routed';
import { insertPosition, tokenAfterWrite } from './write-position';

// pattern:read-replicas:begin
@Injectable()
export class ReadRouting implements OnApplicationBootstrap, OnApplicationShutdown {
  // pattern:read-replicas:else
  // @Injectable()
  // export class ReadRouting {
  // pattern:read-replicas:end
  readonly tokens: ConsistencyTokens;
  // pattern:read-replicas:begin
  private readonly replicaReads: ReplicaReads;
  // pattern:read-replicas:end
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
    // pattern:read-replicas:begin
    this.replicaReads = new ReplicaReads(db, options);
    // pattern:read-replicas:end
  }

  // pattern:read-replicas:begin
  /** After every module's init (the pools exist then), before the server listens. */
  onApplicationBootstrap(): Promise<void> {
    return this.replicaReads.start();
  }

  onApplicationShutdown(): void {
    this.replicaReads.stop();
  }

  replicas(): readonly ReplicaState[] {
    return this.replicaReads.snapshot();
  }
  // pattern:read-replicas:end

  /** Parses an `X-Consistency-Token` header; undefined when absent or expired. Throws on a bad token. */
  parseToken(header: string | undefined): ConsistencyPoint | undefined {
    return header === undefined || header === '' ? undefined : this.tokens.parse(header);
  }

  /** The token for a caller who has just committed: the primary's WAL insert position now. */
  afterWrite(): Promise<string> {
    return tokenAfterWrite(this.db, this.tokens, this.log);
  }

  async read<T extends QueryResultRow>(
    sql: string,
    params: unknown[],
    point?: ConsistencyPoint,
    options: ReadOptions = {},
  ): Promise<RoutedRows<T>> {
    // pattern:read-replicas:begin
    const { value, servedBy, atLsn } = await this.replicaReads.route(
      point,
      async (index) => {
        const pool = this.db.replicaPool(index);
        if (!pool) throw new NotConnectedError();
        return (await this.db.on<T>(pool, sql, params, options.scope)).rows;
      },
      (reason) =>
        this.onPrimary(() => this.db.query<T>(sql, params, options.scope), reason, options),
    );
    // pattern:read-replicas:else
    // // The primary has every committed write: any `point` is already satisfied.
    // const { value, servedBy, atLsn } = await this.onPrimary(
    //   () => this.db.query<T>(sql, params, options.scope),
    //   options,
    // );
    // pattern:read-replicas:end
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
    // pattern:read-replicas:begin
    return this.replicaReads.route(
      point,
      (index) => {
        const source = this.db.replicaSource(index);
        if (!source) throw new NotConnectedError();
        return this.db.transactionOn(source, options.scope, work);
      },
      (reason) => this.onPrimary(() => this.db.transaction(options.scope, work), reason, options),
    );
    // pattern:read-replicas:else
    // return this.onPrimary(() => this.db.transaction(options.scope, work), options);
    // pattern:read-replicas:end
  }

  // pattern:read-replicas:begin
  /**
   * A read that must see every committed write (an API key usable, a revocation effective, the
   * moment it commits) yet keep being served while the primary is down: it runs on the primary,
   * and only when that fails as unavailable on a replica in rotation (see
   * ReplicaReads.whilePrimaryDown). Only that fallback is counted: a primary-first read is not a
   * routing decision, and counting it would swamp the replica share of the routed reads.
   */
  async readPrimaryFirst<T extends QueryResultRow>(
    sql: string,
    params: unknown[],
  ): Promise<RoutedRows<T>> {
    try {
      return { rows: await this.db.query<T>(sql, params), servedBy: 'primary', atLsn: null };
    } catch (err) {
      return this.replicaReads.whilePrimaryDown<T>(sql, params, err);
    }
  }
  // pattern:read-replicas:else
  // /** A read that must see every committed write: with one member, any read. */
  // async readPrimaryFirst<T extends QueryResultRow>(
  //   sql: string,
  //   params: unknown[],
  // ): Promise<RoutedRows<T>> {
  //   return { rows: await this.db.query<T>(sql, params), servedBy: 'primary', atLsn: null };
  // }
  // pattern:read-replicas:end

  private async onPrimary<R>(
    run: () => Promise<R>,
    // pattern:read-replicas:begin
    reason: PrimaryReason,
    // pattern:read-replicas:end
    options: ReadOptions,
  ): Promise<Routed<R>> {
    const before = options.positioned ? await insertPosition(this.db) : undefined;
    const value = await run();
    this.replicaReads.servedByPrimary(reason); // pattern:read-replicas
    return {
      value,
      servedBy: 'primary',
      atLsn: before === undefined ? null : Lsn.seenBefore(before),
    };
  }
}
