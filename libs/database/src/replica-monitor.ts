/**
 * Replica lag, measured continuously, and the rotation it decides.
 *
 * Problem: routing a read-your-writes read needs each replica's replay position; asking the
 * replica on every read doubles the round trips. And a replica that is down or far behind must
 * stop getting reads without anyone restarting anything.
 *
 * Mechanism: every `lagPollMs` the monitor reads the primary's WAL position and each replica's
 * replay position. The positions it remembers only ever lag the truth, so "known replay ≥ token"
 * implies "actual replay ≥ token": routing on them is never stale, only sometimes conservative.
 * Time lag is how long ago the primary passed the replica's replay position (from the primary
 * positions seen at each poll), which, unlike `now() - pg_last_xact_replay_timestamp()`, does not
 * grow while the primary is idle. A replica that fails its poll, is not a standby, or lags more
 * than `maxLagMs` leaves the rotation (the breaker opens); it rejoins on the first poll that finds
 * it healthy again (the poll is the half-open probe: one query per interval, no client request
 * is risked on it).
 *
 * Failure mode: positions are up to one poll interval old, so right after a write the token read
 * goes to the primary even when the replica has already caught up; `lagPollMs` trades that
 * against poll queries.
 */
import { Logger } from '@nestjs/common';
import type { Pool, QueryConfig } from 'pg';
import { Lsn } from './lsn';

export interface ReplicaState {
  /** `replica-1`, `replica-2`, ... in configuration order. */
  name: string;
  inRotation: boolean;
  /** Replay position last seen (a lower bound of the actual one); null before the first poll. */
  replayLsn: bigint | null;
  lagBytes?: number;
  lagMs?: number;
  /** Why the replica is out of rotation, if it is. */
  problem?: string;
}

interface PrimarySample {
  lsn: bigint;
  at: number;
}

const HISTORY = 1200;

export class ReplicaMonitor {
  private readonly log = new Logger('ReplicaMonitor');
  private readonly states: ReplicaState[];
  private readonly history: PrimarySample[] = [];
  private timer?: NodeJS.Timeout;
  private polling = false;
  /** Trips per replica: a poll that started before a trip must not undo it. */
  private readonly trips: number[];

  constructor(
    private readonly primary: () => Pool,
    private readonly replicas: () => (Pool | undefined)[],
    private readonly options: {
      lagPollMs: number;
      maxLagMs: number;
      onRotation?: (name: string, inRotation: boolean) => void;
    },
  ) {
    this.states = replicas().map((_, i) => ({
      name: `replica-${i + 1}`,
      inRotation: false,
      replayLsn: null,
      problem: 'not polled yet',
    }));
    this.trips = this.states.map(() => 0);
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.lagPollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  snapshot(): readonly ReplicaState[] {
    return this.states;
  }

  /** Takes a replica out of rotation at once (a read on it just failed); the next poll decides. */
  trip(index: number, reason: string): void {
    this.trips[index]++;
    // Its position is forgotten too: a replica that failed may have restarted behind it.
    this.update(index, {
      ...this.states[index],
      inRotation: false,
      replayLsn: null,
      problem: reason,
    });
  }

  /** One round of measurements. Public so that start-up can wait for a first picture. */
  async poll(): Promise<void> {
    if (this.polling) return; // a slow round is not stacked on
    this.polling = true;
    try {
      const primaryLsn = await this.primary()
        .query<{ lsn: string }>(this.bounded('SELECT pg_current_wal_insert_lsn()::text AS lsn'))
        .then((r) => Lsn.settled(Lsn.parse(r.rows[0].lsn)))
        .catch(() => undefined);
      const now = Date.now();
      if (primaryLsn !== undefined) this.remember({ lsn: primaryLsn, at: now });
      await Promise.all(
        this.replicas().map((pool, i) => this.pollReplica(i, pool, primaryLsn, now)),
      );
    } finally {
      this.polling = false;
    }
  }

  private async pollReplica(
    index: number,
    pool: Pool | undefined,
    primaryLsn: bigint | undefined,
    now: number,
  ): Promise<void> {
    const trips = this.trips[index];
    try {
      if (!pool) throw new Error('not connected');
      // Bounded: a blackholed member must not stall the rounds of the others for long.
      const { rows } = await pool.query<{ standby: boolean; replay: string | null }>(
        this.bounded(
          'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replay',
        ),
      );
      if (!rows[0].standby || rows[0].replay === null) {
        return this.update(index, {
          ...this.states[index],
          inRotation: false,
          problem: 'not a standby',
        });
      }
      const replayLsn = Lsn.parse(rows[0].replay);
      const lagBytes =
        primaryLsn === undefined ? undefined : Math.max(0, Number(primaryLsn - replayLsn));
      // With the primary unreachable its last position may hold WAL that will never stream, so
      // time lag is not measurable: a replica keeps the lag it had when the primary went, and
      // the rotation with it. A caught-up replica keeps serving reads (read-only degradation,
      // not a read outage); one that was far behind stays out rather than serve very old data.
      const lagMs =
        primaryLsn === undefined ? (this.states[index].lagMs ?? 0) : this.lagMs(replayLsn, now);
      const tooFar = lagMs > this.options.maxLagMs;
      const state: ReplicaState = {
        name: this.states[index].name,
        replayLsn,
        lagBytes,
        lagMs,
        inRotation: !tooFar,
        problem: tooFar ? `lags ${lagMs} ms (> ${this.options.maxLagMs} ms)` : undefined,
      };
      this.update(index, state, trips);
    } catch (err) {
      this.update(index, {
        ...this.states[index],
        inRotation: false,
        problem: `unreachable: ${(err as Error).message}`,
      });
    }
  }

  /** A poll query with its own client-side timeout (pg honours `query_timeout` per query). */
  private bounded(text: string): QueryConfig {
    const timeout = Math.max(1000, 5 * this.options.lagPollMs);
    return { text, query_timeout: timeout } as QueryConfig;
  }

  /** How long ago the primary first stood past `replayLsn`: 0 if the replica is caught up. */
  private lagMs(replayLsn: bigint, now: number): number {
    const firstAhead = this.history.find((s) => s.lsn > replayLsn);
    return firstAhead ? now - firstAhead.at : 0;
  }

  private remember(sample: PrimarySample): void {
    const last = this.history.at(-1);
    if (last && last.lsn === sample.lsn) return; // keep the first time each position was seen
    this.history.push(sample);
    if (this.history.length > HISTORY) this.history.shift();
  }

  private update(index: number, next: ReplicaState, tripsAtStart = this.trips[index]): void {
    // A measurement taken before a trip says nothing about the failure that caused it.
    if (next.inRotation && this.trips[index] !== tripsAtStart) return;
    const before = this.states[index];
    if (before.inRotation !== next.inRotation) {
      const how = next.inRotation ? 'back in rotation' : `out of rotation: ${next.problem}`;
      this.log.warn(`${next.name} ${how}`);
      this.options.onRotation?.(next.name, next.inRotation);
    }
    this.states[index] = next;
  }
}
