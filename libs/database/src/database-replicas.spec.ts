import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';
import { Pool } from 'pg';
import type { Database } from './database';
import { CLOSED_PORT_URL, PRIMARY_URL, specDatabases } from './database.fixture';

// The replica half of the Database (database.spec.ts has the primary's), on the real local stack
// (scripts/stack.sh, whose URLs npm test exports): a streaming replica is what replicaStatus
// measures. Deleted with the read-replicas pattern.
const REPLICA_URL =
  process.env.DATABASE_REPLICA_URLS?.split(',')[0] ??
  'postgres://docscale:docscale@127.0.0.1:55433/docscale';
const redacted = (url: string) => url.replace(/:[^:@/]+@/, ':***@');

const databases = specDatabases();
const connect = (replicaUrls: string[]) => databases({ replicaUrls });

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
  // The stack's own credentials and database, only the port changed: a renamed template
  // (template:init) keeps testing against the stack it runs on.
  const url = new URL(REPLICA_URL);
  url.port = String(port);
  return {
    url: url.toString(),
    server,
    up: () => (forwarding = true),
  };
}

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

describe('Database shutdown with replicas', () => {
  it('closes the primary and replica pools', async () => {
    const db = await connect([REPLICA_URL]);

    await db.onApplicationShutdown();

    expect(db.primary.isInitialized).toBe(false);
    expect(db.replicas[0].isInitialized).toBe(false);
  });
});
