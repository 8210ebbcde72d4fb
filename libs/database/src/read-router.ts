/**
 * Where a read goes: the primary, or a replica that is in rotation and, for a read carrying a
 * consistency token, has replayed past it. The decision is per replica: one caught-up replica
 * says nothing about another (GitLab's load balancer once checked one and read from any).
 */
import type { ConsistencyPoint } from './consistency-token';
import type { ReplicaState } from './replica-monitor';

/** `token`: read-your-writes by WAL position; `window`: primary for a while after a write; `none`. */
export type ReadConsistencyMode = 'token' | 'window' | 'none';
export type ReplicaSelection = 'round-robin' | 'least-lag';

export type ReadReason =
  | 'replicas-off' // READ_REPLICAS toggle off, or no replica configured
  | 'no-replica-in-rotation'
  | 'no-token' // token mode, token-less read: any replica in rotation
  | 'token-satisfied'
  | 'token-too-new' // no replica has replayed the caller's write yet
  | 'window-open' // window mode: the caller wrote less than the window ago
  | 'window-closed'
  | 'mode-none'
  | 'primary-down'; // a primary-first read (ReadRouting.readPrimaryFirst) served by a replica

export interface ReadDecision {
  /** Index of the chosen replica, or -1 for the primary. */
  replica: number;
  reason: ReadReason;
}

export interface RouterSettings {
  mode: ReadConsistencyMode;
  selection: ReplicaSelection;
  windowMs: number;
}

export class ReadRouter {
  private next = 0;

  constructor(private readonly settings: RouterSettings) {}

  decide(
    replicas: readonly ReplicaState[],
    replicasOn: boolean,
    point: ConsistencyPoint | undefined,
    now = Date.now(),
  ): ReadDecision {
    if (!replicasOn || replicas.length === 0) return { replica: -1, reason: 'replicas-off' };
    const inRotation = replicas.flatMap((r, i) => (r.inRotation ? [i] : []));
    if (inRotation.length === 0) return { replica: -1, reason: 'no-replica-in-rotation' };
    const { mode, windowMs } = this.settings;

    if (mode === 'none') return { replica: this.pick(replicas, inRotation), reason: 'mode-none' };
    if (point === undefined) {
      return { replica: this.pick(replicas, inRotation), reason: 'no-token' };
    }
    if (mode === 'window') {
      return now - point.writtenAtMs < windowMs
        ? { replica: -1, reason: 'window-open' }
        : { replica: this.pick(replicas, inRotation), reason: 'window-closed' };
    }
    const caughtUp = inRotation.filter((i) => (replicas[i].replayLsn ?? -1n) >= point.lsn);
    return caughtUp.length
      ? { replica: this.pick(replicas, caughtUp), reason: 'token-satisfied' }
      : { replica: -1, reason: 'token-too-new' };
  }

  /** Least-lag falls back to round-robin while no lag is known (the primary unreachable). */
  private pick(replicas: readonly ReplicaState[], candidates: number[]): number {
    const lagKnown = candidates.some((i) => replicas[i].lagBytes !== undefined);
    if (this.settings.selection === 'least-lag' && lagKnown) {
      return candidates.reduce((best, i) =>
        (replicas[i].lagBytes ?? Infinity) < (replicas[best].lagBytes ?? Infinity) ? i : best,
      );
    }
    this.next = (this.next + 1) % candidates.length;
    return candidates[this.next];
  }
}
