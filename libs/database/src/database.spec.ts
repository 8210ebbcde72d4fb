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
