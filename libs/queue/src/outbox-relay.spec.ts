import { EventEmitter } from 'node:events';
import { Database } from '@docscale/database';
import type { JobQueue } from './job-queue';
import { OutboxRelay } from './outbox-relay';
import type { QueueOptions } from './queue.options';
import type { QueueTelemetry } from './queue-telemetry';

/**
 * A pooled client whose connection dies while the relay awaits the queue: pg emits 'error' on
 * the client from a socket event, and a checked-out client has no listener of the pool's.
 */
class DyingClient extends EventEmitter {
  dead = false;
  released: unknown = 'not released';
  readonly statements: string[] = [];

  query(sql: string): Promise<{ rows: unknown[] }> {
    this.statements.push(sql.trim().split(/\s+/)[0]);
    if (this.dead) return Promise.reject(new Error('Client has encountered a connection error'));
    if (sql.includes('SELECT id, job_name')) {
      return Promise.resolve({
        rows: [{ id: '1', job_name: 'index', job_id: 'j1', data: {}, trace: {} }],
      });
    }
    return Promise.resolve({ rows: [] });
  }

  release(err?: Error): void {
    this.released = err;
  }

  /** The socket closes: emitted from the event loop, as pg does, not from a call of ours. */
  die(): Promise<void> {
    return new Promise((resolve) =>
      setImmediate(() => {
        this.dead = true;
        this.emit('error', new Error('Connection terminated unexpectedly'));
        resolve();
      }),
    );
  }
}

function relayWith(client: DyingClient) {
  const options = {
    prefix: 'p',
    queueName: 'q',
    relay: { batchSize: 10, pollMs: 60_000, retentionMs: 1000 },
  } as QueueOptions;
  // The real withPrimaryClient (it holds the listener), on a pool that hands out `client`.
  const db = Object.assign(Object.create(Database.prototype) as Database, {
    primaryPool: () => ({ connect: () => Promise.resolve(client) }),
    query: () => Promise.resolve([]),
  });
  const queue = { enqueue: () => client.die() } as unknown as JobQueue;
  const telemetry = { sent: () => undefined } as unknown as QueueTelemetry;
  return new OutboxRelay(options, db, queue, telemetry);
}

describe('OutboxRelay', () => {
  it('survives the primary closing a checked-out connection: the batch fails, the client is destroyed', async () => {
    const client = new DyingClient();
    const relay = relayWith(client);

    // Without the listener withPrimaryClient holds, die() throws from the event loop and fails
    // this test.
    await relay.drain();

    expect(client.statements).toEqual(['BEGIN', 'SELECT', 'UPDATE']);
    expect(client.released).toBeInstanceOf(Error); // destroyed by the pool (its transaction too)
    expect(client.listenerCount('error')).toBe(0); // the pool's listener is back alone
  });
});
