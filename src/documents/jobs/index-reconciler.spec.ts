import type { Database } from '@docscale/database';
import type { OutboxRelay } from '@docscale/queue';
import type { Toggles } from '@docscale/toggles';
import type { AppConfig } from '../../config';
import { IndexReconciler } from './index-reconciler';

function reconciler(opts: { relaying?: boolean; queueOn?: boolean; afterMs?: number } = {}) {
  const db = { query: jest.fn(async () => [{ job_id: 'index-d1-v2' }]) };
  const relay = {
    relaying: opts.relaying ?? true,
    queueName: 'docscale:queue:documents',
    nudge: jest.fn(),
  };
  const toggles = { isOn: jest.fn(() => opts.queueOn ?? true) };
  const config = {
    env: { INDEX_RECONCILE_AFTER_MS: opts.afterMs ?? 600_000, INDEX_RECONCILE_INTERVAL_MS: 1000 },
  } as unknown as AppConfig;
  const r = new IndexReconciler(
    db as unknown as Database,
    relay as unknown as OutboxRelay,
    toggles as unknown as Toggles,
    config,
  );
  return { r, db, relay };
}

describe('IndexReconciler', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sweeps every interval where the relay runs and the queue is on, and nudges the relay', async () => {
    const { r, db, relay } = reconciler();
    r.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(2500);
    await r.onApplicationShutdown();
    expect(db.query).toHaveBeenCalledTimes(2);
    expect(db.query.mock.calls[0]).toEqual([
      expect.stringContaining('INSERT INTO outbox'),
      ['docscale:queue:documents', 600_000],
    ]);
    expect(relay.nudge).toHaveBeenCalledTimes(2);
  });

  it('does not sweep while QUEUE is off', async () => {
    const { r, db } = reconciler({ queueOn: false });
    r.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3500);
    await r.onApplicationShutdown();
    expect(db.query).not.toHaveBeenCalled();
  });

  it('does not run where the relay does not (worker processes)', async () => {
    const { r, db } = reconciler({ relaying: false });
    r.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3500);
    expect(db.query).not.toHaveBeenCalled();
  });

  it('is off with INDEX_RECONCILE_AFTER_MS=0', async () => {
    const { r, db } = reconciler({ afterMs: 0 });
    r.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3500);
    expect(db.query).not.toHaveBeenCalled();
  });

  it('does not nudge the relay when nothing was re-requested', async () => {
    const { r, db, relay } = reconciler();
    db.query.mockResolvedValue([]);
    await expect(r.sweep()).resolves.toBe(0);
    expect(relay.nudge).not.toHaveBeenCalled();
  });

  it('survives a failed sweep and sweeps again on the next interval', async () => {
    const { r, db } = reconciler();
    db.query.mockRejectedValueOnce(new Error('primary unreachable'));
    r.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(2500);
    await r.onApplicationShutdown();
    expect(db.query).toHaveBeenCalledTimes(2);
  });
});
