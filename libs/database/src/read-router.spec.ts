import type { ConsistencyPoint } from './consistency-token';
import { ReadRouter, ReadConsistencyMode, ReplicaSelection } from './read-router';
import type { ReplicaState } from './replica-monitor';

const NOW = 1_700_000_000_000;
const WINDOW_MS = 2_000;

function replica(index: number, state: Partial<ReplicaState> = {}): ReplicaState {
  return { name: `replica-${index + 1}`, inRotation: true, replayLsn: 100n, lagBytes: 0, ...state };
}

function router(mode: ReadConsistencyMode, selection: ReplicaSelection = 'round-robin') {
  return new ReadRouter({ mode, selection, windowMs: WINDOW_MS });
}

/** A write at WAL position `lsn`, `ageMs` before NOW. */
const wrote = (lsn: bigint, ageMs = 0): ConsistencyPoint => ({ lsn, writtenAtMs: NOW - ageMs });

const MODES: ReadConsistencyMode[] = ['token', 'window', 'none'];
const SELECTIONS: ReplicaSelection[] = ['round-robin', 'least-lag'];
const EVERY_SETTING = MODES.flatMap((mode) =>
  SELECTIONS.map((selection): [ReadConsistencyMode, ReplicaSelection] => [mode, selection]),
);

describe('ReadRouter', () => {
  describe.each(EVERY_SETTING)('in %s mode with %s selection', (mode, selection) => {
    const newRouter = () => router(mode, selection);

    it('reads from the primary when replicas are switched off', () => {
      const replicas = [replica(0), replica(1)];
      expect(newRouter().decide(replicas, false, wrote(1n, 60_000), NOW)).toEqual({
        replica: -1,
        reason: 'replicas-off',
      });
    });

    it('reads from the primary when no replica is configured', () => {
      expect(newRouter().decide([], true, undefined, NOW)).toEqual({
        replica: -1,
        reason: 'replicas-off',
      });
    });

    it('reads from the primary when no replica is in rotation', () => {
      const replicas = [replica(0, { inRotation: false }), replica(1, { inRotation: false })];
      expect(newRouter().decide(replicas, true, undefined, NOW)).toEqual({
        replica: -1,
        reason: 'no-replica-in-rotation',
      });
    });

    it('never reads from a replica out of rotation, however caught up it is', () => {
      const replicas = [
        replica(0, { inRotation: false, replayLsn: 1_000n, lagBytes: 0 }),
        replica(1, { replayLsn: 500n, lagBytes: 900 }),
      ];
      const r = newRouter();
      for (let i = 0; i < 4; i++) {
        expect(r.decide(replicas, true, wrote(400n, 60_000), NOW).replica).toBe(1);
      }
    });
  });

  describe('in token mode', () => {
    it('sends a read without a token to a replica in rotation', () => {
      const replicas = [replica(0, { inRotation: false }), replica(1)];
      expect(router('token').decide(replicas, true, undefined, NOW)).toEqual({
        replica: 1,
        reason: 'no-token',
      });
    });

    it('chooses the one replica that has replayed the token, not one in rotation but behind', () => {
      const replicas = [replica(0, { replayLsn: 99n }), replica(1, { replayLsn: 100n })];
      const r = router('token');
      for (let i = 0; i < 4; i++) {
        expect(r.decide(replicas, true, wrote(100n), NOW)).toEqual({
          replica: 1,
          reason: 'token-satisfied',
        });
      }
    });

    it('chooses the caught-up replica under least-lag too, even when the other lags less', () => {
      const replicas = [
        replica(0, { replayLsn: 99n, lagBytes: 0 }),
        replica(1, { replayLsn: 100n, lagBytes: 5_000 }),
      ];
      expect(router('token', 'least-lag').decide(replicas, true, wrote(100n), NOW)).toEqual({
        replica: 1,
        reason: 'token-satisfied',
      });
    });

    it('reads from the primary when no replica has replayed the token yet', () => {
      const replicas = [replica(0, { replayLsn: 99n }), replica(1, { replayLsn: 50n })];
      expect(router('token').decide(replicas, true, wrote(100n), NOW)).toEqual({
        replica: -1,
        reason: 'token-too-new',
      });
    });

    it('never lets a replica with an unknown replay position satisfy a token', () => {
      const replicas = [replica(0, { replayLsn: null })];
      expect(router('token').decide(replicas, true, wrote(0n), NOW)).toEqual({
        replica: -1,
        reason: 'token-too-new',
      });
    });

    it('ignores the write time: an old token the replicas have not reached still goes to the primary', () => {
      const replicas = [replica(0, { replayLsn: 99n })];
      expect(router('token').decide(replicas, true, wrote(100n, 3_600_000), NOW).reason).toBe(
        'token-too-new',
      );
    });
  });

  describe('in window mode', () => {
    it('reads from the primary when the caller wrote less than the window ago', () => {
      const replicas = [replica(0, { replayLsn: 1_000n })];
      expect(router('window').decide(replicas, true, wrote(1n, WINDOW_MS - 1), NOW)).toEqual({
        replica: -1,
        reason: 'window-open',
      });
    });

    it('reads from a replica once the window has passed, whether or not it replayed the write', () => {
      const replicas = [replica(0, { replayLsn: 1n })];
      expect(router('window').decide(replicas, true, wrote(1_000n, WINDOW_MS), NOW)).toEqual({
        replica: 0,
        reason: 'window-closed',
      });
    });

    it('sends a read without a token to a replica', () => {
      expect(router('window').decide([replica(0)], true, undefined, NOW)).toEqual({
        replica: 0,
        reason: 'no-token',
      });
    });
  });

  describe('in none mode', () => {
    it('reads from a replica even with a token no replica has replayed', () => {
      const replicas = [replica(0, { replayLsn: 1n })];
      expect(router('none').decide(replicas, true, wrote(1_000n), NOW)).toEqual({
        replica: 0,
        reason: 'mode-none',
      });
    });
  });

  describe('selection', () => {
    it('alternates between two eligible replicas with round-robin', () => {
      const replicas = [replica(0), replica(1)];
      const r = router('none', 'round-robin');
      const chosen = Array.from({ length: 4 }, () => r.decide(replicas, true, undefined, NOW));
      const indexes = chosen.map((d) => d.replica);
      expect(new Set(indexes)).toEqual(new Set([0, 1]));
      expect(indexes[0]).not.toBe(indexes[1]);
      expect(indexes.slice(2)).toEqual(indexes.slice(0, 2));
    });

    it('picks the replica with the lowest lag in bytes with least-lag, every time', () => {
      const replicas = [
        replica(0, { lagBytes: 300 }),
        replica(1, { lagBytes: 10 }),
        replica(2, { lagBytes: 200 }),
      ];
      const r = router('none', 'least-lag');
      for (let i = 0; i < 3; i++) expect(r.decide(replicas, true, undefined, NOW).replica).toBe(1);
    });

    it('spreads reads round-robin under least-lag while no replica lag is known', () => {
      const replicas = [replica(0, { lagBytes: undefined }), replica(1, { lagBytes: undefined })];
      const r = router('none', 'least-lag');
      const picked = [0, 1, 2, 3].map(() => r.decide(replicas, true, undefined, NOW).replica);
      expect(new Set(picked)).toEqual(new Set([0, 1]));
    });

    it('prefers a replica with a known lag over one whose lag is unknown with least-lag', () => {
      const replicas = [replica(0, { lagBytes: undefined }), replica(1, { lagBytes: 5_000 })];
      expect(router('none', 'least-lag').decide(replicas, true, undefined, NOW).replica).toBe(1);
    });
  });
});
