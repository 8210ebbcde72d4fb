/**
 * The replica half of the read/write split: where a read runs while there are replicas (the
 * ReadRouter's decision over the ReplicaMonitor's picture), the fallback to the primary when the
 * chosen replica fails (which trips it out of rotation), the replica fallback of a primary-first
 * read while the primary is down, and the reads counter. ReadRouting (read-routing.ts) runs the
 * statements on the member chosen here.
 */
import type { QueryResultRow } from 'pg';
import type { ConsistencyPoint } from './consistency-token';
import { Database } from './database';
import { failsOnAnyMember, isMemberFailure } from './database-unavailable';
import { DatabaseOptions } from './database.options';
import { ReadMetrics } from './read-metrics';
import { ReadReason, ReadRouter } from './read-router';
import { ReplicaMonitor, ReplicaState } from './replica-monitor';
import type { Routed, RoutedRows } from './routed';

/** The chosen replica has never answered: its pool does not exist yet. */
export class NotConnectedError extends Error {
  constructor() {
    super('not connected');
  }
}

/** Why a read ran on the primary: the router's reason, or the chosen replica's failure. */
export type PrimaryReason = ReadReason | 'replica-failed';

export class ReplicaReads {
  private readonly router: ReadRouter;
  private readonly monitor: ReplicaMonitor;
  private readonly replicasOn: () => boolean;
  private readonly onRotation: DatabaseOptions['onReplicaRotation'];
  private readonly primaryUnavailable: (err: unknown) => boolean;
  private readonly metrics = new ReadMetrics();

  constructor(
    private readonly db: Database,
    options: DatabaseOptions,
  ) {
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

  /** The gauges, a first picture of the replicas, then their polling. */
  async start(): Promise<void> {
    this.metrics.registerReplicaGauges(() => this.monitor.snapshot());
    if (this.db.replicas.length === 0) return; // nothing to measure
    await this.monitor.poll(); // a first picture before the first request
    // Members already down at start never changed state: say where each one stands.
    for (const r of this.monitor.snapshot()) this.onRotation?.(r.name, r.inRotation);
    this.monitor.start();
  }

  stop(): void {
    this.monitor.stop();
  }

  snapshot(): readonly ReplicaState[] {
    return this.monitor.snapshot();
  }

  /** Where the router says, falling back to the primary when the chosen replica fails. */
  async route<R>(
    point: ConsistencyPoint | undefined,
    onReplica: (index: number) => Promise<R>,
    onPrimary: (reason: PrimaryReason) => Promise<Routed<R>>,
  ): Promise<Routed<R>> {
    const replicas = this.monitor.snapshot();
    const decision = this.router.decide(replicas, this.replicasOn(), point);
    if (decision.replica >= 0) {
      const state = replicas[decision.replica];
      try {
        const value = await onReplica(decision.replica);
        this.metrics.record(state.name, decision.reason);
        return { value, servedBy: state.name, atLsn: state.replayLsn };
      } catch (err) {
        // A bad query: the primary would refuse it too.
        if (!(err instanceof NotConnectedError) && failsOnAnyMember(err)) throw err;
        this.monitor.trip(decision.replica, `read failed: ${(err as Error).message}`);
        return onPrimary('replica-failed');
      }
    }
    return onPrimary(decision.reason);
  }

  /** A read the primary served, counted with the reason it went there. */
  servedByPrimary(reason: PrimaryReason): void {
    this.metrics.record('primary', reason);
  }

  /**
   * A primary-first read whose primary failed with `primaryErr`: on a replica in rotation when
   * the failure says the primary is unavailable (`primaryUnavailable`), never on the primary
   * twice. With replicas off or none in rotation, or the replica failing too, `primaryErr` is
   * rethrown at once rather than after a second connect timeout. Only this fallback is counted
   * (`db.read.reason` `primary-down`).
   */
  async whilePrimaryDown<T extends QueryResultRow>(
    sql: string,
    params: unknown[],
    primaryErr: unknown,
  ): Promise<RoutedRows<T>> {
    if (!this.primaryUnavailable(primaryErr)) throw primaryErr;
    const replicas = this.monitor.snapshot();
    // No token: the read asked for the primary, and any replica in rotation is the best left.
    const decision = this.router.decide(replicas, this.replicasOn(), undefined);
    if (decision.replica < 0) throw primaryErr;
    const state = replicas[decision.replica];
    const pool = this.db.replicaPool(decision.replica);
    try {
      if (!pool) throw new Error('not connected');
      const { rows } = await pool.query<T>(sql, params);
      this.metrics.record(state.name, 'primary-down');
      return { rows, servedBy: state.name, atLsn: state.replayLsn };
    } catch (err) {
      if (pool && failsOnAnyMember(err)) throw err; // a bad query: no member would answer it
      this.monitor.trip(decision.replica, `read failed: ${(err as Error).message}`);
      throw primaryErr;
    }
  }
}
