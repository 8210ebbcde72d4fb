import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { Lsn } from './lsn';
import { ReplicaMonitor } from './replica-monitor';

// The real local stack (scripts/stack.sh, whose URLs npm test exports).
const PRIMARY_URL =
  process.env.DATABASE_PRIMARY_URL ?? 'postgres://docscale:docscale@127.0.0.1:55432/docscale';
const REPLICA_URL =
  process.env.DATABASE_REPLICA_URLS?.split(',')[0] ??
  'postgres://docscale:docscale@127.0.0.1:55433/docscale';
const CLOSED_PORT_URL = 'postgres://docscale:docscale@127.0.0.1:1/docscale';

const pools: Pool[] = [];
function pool(connectionString: string): Pool {
  const created = new Pool({ connectionString, max: 2, connectionTimeoutMillis: 500 });
  pools.push(created);
  return created;
}

// Generous next to the stack's real lag, so that only the tests that mean to exceed it do.
const OPTIONS = { lagPollMs: 1_000, maxLagMs: 60_000 };

function monitor(primary: Pool, replicas: (Pool | undefined)[], maxLagMs = OPTIONS.maxLagMs) {
  return new ReplicaMonitor(
    () => primary,
    () => replicas,
    { ...OPTIONS, maxLagMs },
  );
}

/**
 * A stand-in for the primary and one replica whose WAL positions the test sets: the monitor only
 * ever sends them its two polling queries.
 */
function fakeStack(primaryLsn: bigint, replayLsn: bigint) {
  const wal = { primary: primaryLsn, replay: replayLsn, primaryQueries: 0, primaryDown: false };
  const primary = {
    query: async () => {
      if (wal.primaryDown) throw new Error('connect ECONNREFUSED');
      wal.primaryQueries++;
      return { rows: [{ lsn: Lsn.format(wal.primary) }] };
    },
  } as unknown as Pool;
  const replica = {
    query: async () => ({ rows: [{ standby: true, replay: Lsn.format(wal.replay) }] }),
  } as unknown as Pool;
  return { wal, primary, replica };
}

/** Polls until `done()` or a deadline: time passes between polls without guessing how much. */
async function pollUntil(m: ReplicaMonitor, done: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  do {
    await m.poll();
    if (done()) return;
  } while (Date.now() < deadline);
  throw new Error(`still not done after ${timeoutMs} ms: ${JSON.stringify(m.snapshot(), big)}`);
}
const big = (_: string, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value);

/** Polls until the clock has moved on, then once more: that last round starts a later ms. */
async function pollPastOneMs(m: ReplicaMonitor) {
  const start = Date.now();
  await pollUntil(m, () => Date.now() > start);
  await m.poll();
}

beforeAll(() => Logger.overrideLogger(false));
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

describe('ReplicaMonitor on the local stack', () => {
  it('keeps every replica out of rotation until the first poll', () => {
    const m = monitor(pool(PRIMARY_URL), [pool(REPLICA_URL)]);
    expect(m.snapshot()).toEqual([
      { name: 'replica-1', inRotation: false, replayLsn: null, problem: 'not polled yet' },
    ]);
  });

  it('puts a streaming replica in rotation with its replay position and lag after a poll', async () => {
    const m = monitor(pool(PRIMARY_URL), [pool(REPLICA_URL)]);
    await m.poll();
    const [state] = m.snapshot();
    expect(state).toMatchObject({ name: 'replica-1', inRotation: true, problem: undefined });
    expect(typeof state.replayLsn).toBe('bigint');
    expect(state.lagBytes).toEqual(expect.any(Number));
    expect(state.lagMs).toEqual(expect.any(Number));
  });

  it('takes a replica it cannot connect to out of rotation as unreachable', async () => {
    const m = monitor(pool(PRIMARY_URL), [pool(CLOSED_PORT_URL)]);
    await m.poll();
    const [state] = m.snapshot();
    expect(state.inRotation).toBe(false);
    expect(state.problem).toMatch(/^unreachable/);
  });

  it('takes a replica slot without a pool out of rotation as unreachable', async () => {
    const m = monitor(pool(PRIMARY_URL), [undefined]);
    await m.poll();
    expect(m.snapshot()[0]).toMatchObject({
      inRotation: false,
      problem: 'unreachable: not connected',
    });
  });

  it('takes a "replica" that is really a primary out of rotation as not a standby', async () => {
    const m = monitor(pool(PRIMARY_URL), [pool(PRIMARY_URL)]);
    await m.poll();
    expect(m.snapshot()[0]).toMatchObject({ inRotation: false, problem: 'not a standby' });
  });

  it('judges each replica on its own: a bad one does not take a good one out', async () => {
    const m = monitor(pool(PRIMARY_URL), [pool(CLOSED_PORT_URL), pool(REPLICA_URL)]);
    await m.poll();
    expect(m.snapshot().map((s) => s.inRotation)).toEqual([false, true]);
  });

  it('keeps a replica in rotation, lag in bytes unknown, while the primary is unreachable', async () => {
    const m = monitor(pool(CLOSED_PORT_URL), [pool(REPLICA_URL)]);
    await m.poll();
    const [state] = m.snapshot();
    expect(state.inRotation).toBe(true);
    expect(state.lagBytes).toBeUndefined();
  });

  it('keeps a replica that lagged too far out of rotation while the primary is unreachable', async () => {
    const { wal, primary, replica } = fakeStack(0x200n, 0x100n);
    const m = monitor(primary, [replica], 1);
    await pollUntil(m, () => !m.snapshot()[0].inRotation);
    wal.primaryDown = true;
    await m.poll();
    expect(m.snapshot()[0].inRotation).toBe(false);
  });

  it('takes a tripped replica out of rotation at once, with the reason given', async () => {
    const m = monitor(pool(PRIMARY_URL), [pool(REPLICA_URL)]);
    await m.poll();
    m.trip(0, 'read failed: connection reset');
    expect(m.snapshot()[0]).toMatchObject({
      inRotation: false,
      problem: 'read failed: connection reset',
    });
  });

  it('puts a tripped replica back in rotation on the next healthy poll', async () => {
    const m = monitor(pool(PRIMARY_URL), [pool(REPLICA_URL)]);
    await m.poll();
    m.trip(0, 'read failed: connection reset');
    await m.poll();
    expect(m.snapshot()[0]).toMatchObject({ inRotation: true, problem: undefined });
  });
});

describe('ReplicaMonitor lag, against a fake primary and replica', () => {
  it('measures the lag in bytes as the primary position minus the replay position', async () => {
    const { primary, replica } = fakeStack(Lsn.parse('1/0'), Lsn.parse('0/FFFFFF00'));
    const m = monitor(primary, [replica]);
    await m.poll();
    expect(m.snapshot()[0]).toMatchObject({
      replayLsn: Lsn.parse('0/FFFFFF00'),
      lagBytes: 0x100,
      inRotation: true,
    });
  });

  it('grows the lag in ms while the replay position stays behind the primary', async () => {
    const { wal, primary, replica } = fakeStack(0x200n, 0x100n);
    const m = monitor(primary, [replica]);
    await m.poll();
    const first = m.snapshot()[0].lagMs ?? NaN;
    wal.primary += 0x100n;
    await pollPastOneMs(m);
    expect(m.snapshot()[0].lagMs).toBeGreaterThan(first);
  });

  it('takes a replica out of rotation once its lag in ms exceeds maxLagMs', async () => {
    const { wal, primary, replica } = fakeStack(0x200n, 0x100n);
    const m = monitor(primary, [replica], 1);
    await pollUntil(m, () => {
      wal.primary += 0x100n; // the primary keeps writing; the replica replays nothing
      return !m.snapshot()[0].inRotation;
    });
    const [state] = m.snapshot();
    expect(state.lagMs).toBeGreaterThan(1);
    expect(state.problem).toBe(`lags ${state.lagMs} ms (> 1 ms)`);
  });

  it('puts a lagging replica back in rotation once its replay catches up', async () => {
    const { wal, primary, replica } = fakeStack(0x200n, 0x100n);
    const m = monitor(primary, [replica], 1);
    await pollUntil(m, () => !m.snapshot()[0].inRotation);
    wal.replay = wal.primary;
    await m.poll();
    expect(m.snapshot()[0]).toMatchObject({ inRotation: true, lagMs: 0, problem: undefined });
  });

  it('reports no lag in ms for a caught-up replica while the primary is idle', async () => {
    const { primary, replica } = fakeStack(0x200n, 0x200n);
    const m = monitor(primary, [replica], 1);
    await pollPastOneMs(m);
    await pollPastOneMs(m);
    expect(m.snapshot()[0]).toMatchObject({ inRotation: true, lagMs: 0, lagBytes: 0 });
  });

  it('counts the lag from when the primary first passed the replay position, not from the last write', async () => {
    const { wal, primary, replica } = fakeStack(0x200n, 0x100n);
    const m = monitor(primary, [replica]);
    await m.poll();
    const afterFirstPoll = Date.now();
    await pollPastOneMs(m);
    wal.primary += 0x100n; // a later write must not restart the clock
    const beforeLastPoll = Date.now();
    await m.poll();
    expect(m.snapshot()[0].lagMs).toBeGreaterThanOrEqual(beforeLastPoll - afterFirstPoll);
    expect(m.snapshot()[0].lagMs).toBeGreaterThan(0);
  });

  it('does not start a second round while one is still running', async () => {
    const { wal, replica } = fakeStack(0x200n, 0x200n);
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const slowPrimary = {
      query: async () => {
        wal.primaryQueries++;
        await released;
        return { rows: [{ lsn: Lsn.format(wal.primary) }] };
      },
    } as unknown as Pool;
    const m = monitor(slowPrimary, [replica]);
    const first = m.poll();
    await m.poll();
    expect(wal.primaryQueries).toBe(1);
    release();
    await first;
    await m.poll();
    expect(wal.primaryQueries).toBe(2);
  });
});

describe('ReplicaMonitor rotation changes', () => {
  it('tells the listener when a replica leaves and rejoins the rotation, once each', async () => {
    const { primary, replica } = fakeStack(100n, 100n);
    const changes: [string, boolean][] = [];
    const replicas: (Pool | undefined)[] = [replica];
    const m = new ReplicaMonitor(
      () => primary,
      () => replicas,
      { ...OPTIONS, onRotation: (name, inRotation) => changes.push([name, inRotation]) },
    );
    await m.poll();
    await m.poll();
    m.trip(0, 'read failed');
    replicas[0] = undefined; // unreachable: stays out
    await m.poll();
    replicas[0] = replica;
    await m.poll();
    expect(changes).toEqual([
      ['replica-1', true],
      ['replica-1', false],
      ['replica-1', true],
    ]);
  });
});
