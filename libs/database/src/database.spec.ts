import { redact } from './database';
import { CLOSED_PORT_URL, PRIMARY_URL, specDatabases } from './database.fixture';
import { DatabaseOptions } from './database.options';

// The primary's half; the replicas' is database-replicas.spec.ts.
const databases = specDatabases();
const connect = (primaryUrl = PRIMARY_URL, extra: Partial<DatabaseOptions> = {}) =>
  databases({ ...extra, primaryUrl });

describe('Database on the local stack', () => {
  it('connects to the primary on module init', async () => {
    const db = await connect();

    expect(db.primary.isInitialized).toBe(true);
    await expect(db.pingPrimary()).resolves.toBeUndefined();
  });
});

describe('Database with the primary down at start', () => {
  it('refuses to start', async () => {
    await expect(connect(CLOSED_PORT_URL)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('Database shutdown', () => {
  it('closes the primary pool', async () => {
    const db = await connect();

    await db.onApplicationShutdown();

    expect(db.primary.isInitialized).toBe(false);
  });
});

describe('redact', () => {
  it('hides the password of a URL', () => {
    const redacted = redact('postgres://docscale:hunter2@db.internal:5432/docscale');

    expect(redacted).toBe('postgres://docscale:***@db.internal:5432/docscale');
    expect(redacted).not.toContain('hunter2');
  });

  it('hides a password that needed percent-encoding', () => {
    const redacted = redact('postgres://docscale:p%40ss%2Fw0rd@db.internal/docscale');

    expect(redacted).toBe('postgres://docscale:***@db.internal/docscale');
  });

  it('leaves a URL without a password as it was', () => {
    expect(redact('postgres://docscale@db.internal:5432/docscale')).toBe(
      'postgres://docscale@db.internal:5432/docscale',
    );
  });

  // pg also takes the password as a query parameter (pg-connection-string merges the query into
  // the config); replicaStatus() URLs are shown by the unauthenticated /health/ready.
  it('hides a password given as a query parameter', () => {
    const redacted = redact('postgres://docscale@db.internal:5432/docscale?password=hunter2');

    expect(redacted).not.toContain('hunter2');
  });
});

describe('Database primary calls', () => {
  it('runs every primary statement through the configured call policy (the breaker)', async () => {
    let calls = 0;
    const db = await connect(PRIMARY_URL, {
      primaryCalls: {
        execute: (work) => {
          calls++;
          return work();
        },
      },
    });
    await db.query('SELECT 1');
    await db.execute('SELECT 1');
    await db.pingPrimary();
    expect(calls).toBe(3);
  });

  it('does not run a statement the policy refuses', async () => {
    const refused = new Error('circuit open');
    const db = await connect(PRIMARY_URL, {
      primaryCalls: { execute: () => Promise.reject(refused) },
    });
    await expect(db.query('SELECT 1')).rejects.toBe(refused);
  });
});

describe('Database.withPrimaryClient', () => {
  it('runs work on one client and gives it back to the pool for reuse', async () => {
    const db = await connect();
    const pids = await db.withPrimaryClient(async (client) => {
      const pid = async () => (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      return [await pid(), await pid()];
    });
    const again = await db.withPrimaryClient(
      async (client) => (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid,
    );
    expect(pids[1]).toBe(pids[0]);
    expect(again).toBe(pids[0]);
    expect(db.primaryPool().idleCount).toBe(1);
  });

  it('destroys the client of work that failed (a transaction it left open ends with it)', async () => {
    const db = await connect();
    const failed = db.withPrimaryClient(async (client) => {
      await client.query('BEGIN');
      throw new Error('enqueue failed');
    });
    await expect(failed).rejects.toThrow('enqueue failed');
    expect(db.primaryPool().totalCount).toBe(0);
  });

  // Without its listener, the 'error' the client emits ends the process (here: fails the test).
  it('survives the primary closing the connection while work waits, and destroys the client', async () => {
    const db = await connect();
    const work = db.withPrimaryClient(async (client) => {
      const { pid } = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0];
      const ended = new Promise((resolve) => client.once('end', resolve));
      await db.query('SELECT pg_terminate_backend($1)', [pid]); // another client of the pool
      await ended; // the client has emitted 'error' by now, while no statement of its ran
      await client.query('SELECT 1');
    });
    await expect(work).rejects.toThrow(/not queryable|terminat/);
    expect(db.primaryPool().totalCount).toBe(1); // the other one
    await expect(db.withPrimaryClient((client) => client.query('SELECT 1'))).resolves.toBeTruthy();
  });
});
