import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { Database, redact } from './database';
import { DatabaseOptions } from './database.options';

// The real local stack (scripts/stack.sh, whose URLs npm test exports): a streaming replica is
// what replicaStatus measures.
const PRIMARY_URL =
  process.env.DATABASE_PRIMARY_URL ?? 'postgres://docscale:docscale@127.0.0.1:55432/docscale';
const REPLICA_URL =
  process.env.DATABASE_REPLICA_URLS?.split(',')[0] ??
  'postgres://docscale:docscale@127.0.0.1:55433/docscale';
const redacted = (url: string) => url.replace(/:[^:@/]+@/, ':***@');
const CLOSED_PORT_URL = 'postgres://docscale:docscale@127.0.0.1:1/docscale';

const created: Database[] = [];

async function connect(
  replicaUrls: string[],
  primaryUrl = PRIMARY_URL,
  extra: Partial<DatabaseOptions> = {},
): Promise<Database> {
  const options: DatabaseOptions = {
    ...extra,
    primaryUrl,
    replicaUrls,
    entities: [],
    poolSize: 2,
    connectTimeoutMs: 1000,
    applicationName: 'docscale-database-spec',
    tokenSecret: 'database-spec-secret',
  };
  const db = new Database(options);
  created.push(db);
  await db.onModuleInit();
  return db;
}

/**
 * A TCP front for the replica that refuses (resets) connections until `up` is set, on a port of
 * its own: a replica that is down at start and comes back later.
 */
async function switchableReplica(): Promise<{ url: string; server: Server; up: () => void }> {
  let forwarding = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (!forwarding) return client.destroy();
    const upstream = createConnection(Number(new URL(REPLICA_URL).port), '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `postgres://docscale:docscale@127.0.0.1:${port}/docscale`,
    server,
    up: () => (forwarding = true),
  };
}

beforeAll(() => Logger.overrideLogger(false));
afterAll(async () => {
  await Promise.all(created.map((db) => db.onApplicationShutdown()));
});

describe('Database on the local stack', () => {
  let db: Database;
  beforeAll(async () => {
    db = await connect([REPLICA_URL]);
  });

  it('connects to the primary and each replica on module init', async () => {
    expect(db.primary.isInitialized).toBe(true);
    expect(db.replicas.map((r) => r.isInitialized)).toEqual([true]);
    await expect(db.pingPrimary()).resolves.toBeUndefined();
  });

  it("reaches each member's pg pool, configured from the options, through TypeORM's driver", async () => {
    const pools = [db.primaryPool(), db.replicaPool(0)];

    for (const pool of pools) {
      expect(pool).toBeInstanceOf(Pool);
      expect(pool?.options).toMatchObject({ max: 2, application_name: 'docscale-database-spec' });
    }
    expect(pools[0]).not.toBe(pools[1]);
  });

  it('reports the replica reachable, with a numeric lag in bytes', async () => {
    const [status] = await db.replicaStatus();

    expect(status).toEqual({
      url: redacted(REPLICA_URL),
      reachable: true,
      lagBytes: expect.any(Number),
    });
    expect(Number.isInteger(status.lagBytes)).toBe(true);
    expect(status.lagBytes).toBeGreaterThanOrEqual(0);
  });

  it('connects to the replica as a standby, not to the primary', async () => {
    const [row] = (await db.replicas[0].query('SELECT pg_is_in_recovery() AS standby')) as {
      standby: boolean;
    }[];

    expect(row.standby).toBe(true);
  });
});

describe('Database with a replica URL that is not a standby', () => {
  it('reports it reachable but "not a standby", without a lag', async () => {
    const db = await connect([PRIMARY_URL]);

    expect(await db.replicaStatus()).toEqual([
      {
        url: redacted(PRIMARY_URL),
        reachable: true,
        error: 'not a standby',
      },
    ]);
  });
});

describe('Database with a replica down at start', () => {
  it('still starts, with the primary serving', async () => {
    const db = await connect([CLOSED_PORT_URL]);

    expect(db.replicas[0].isInitialized).toBe(false);
    await expect(db.pingPrimary()).resolves.toBeUndefined();
  });

  it('reports the replica unreachable, with the error', async () => {
    const db = await connect([REPLICA_URL, CLOSED_PORT_URL]);

    const [up, down] = await db.replicaStatus();

    expect(up).toMatchObject({ reachable: true, lagBytes: expect.any(Number) });
    expect(down).toEqual({
      url: 'postgres://docscale:***@127.0.0.1:1/docscale',
      reachable: false,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('connects to the replica once it answers', async () => {
    const replica = await switchableReplica();
    try {
      const db = await connect([replica.url]);
      expect((await db.replicaStatus())[0].reachable).toBe(false);

      replica.up();

      expect((await db.replicaStatus())[0]).toMatchObject({
        reachable: true,
        lagBytes: expect.any(Number),
      });
      expect(db.replicas[0].isInitialized).toBe(true);
      await db.onApplicationShutdown();
    } finally {
      await new Promise((resolve) => replica.server.close(resolve));
    }
  });
});

describe('Database with the primary down at start', () => {
  it('refuses to start', async () => {
    await expect(connect([REPLICA_URL], CLOSED_PORT_URL)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('Database shutdown', () => {
  it('closes the primary and replica pools', async () => {
    const db = await connect([REPLICA_URL]);

    await db.onApplicationShutdown();

    expect(db.primary.isInitialized).toBe(false);
    expect(db.replicas[0].isInitialized).toBe(false);
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
    const db = await connect([], PRIMARY_URL, {
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
    const db = await connect([], PRIMARY_URL, {
      primaryCalls: { execute: () => Promise.reject(refused) },
    });
    await expect(db.query('SELECT 1')).rejects.toBe(refused);
  });
});
