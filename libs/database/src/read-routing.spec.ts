import { Logger } from '@nestjs/common';
import { Database } from './database';
import { CallPolicy, DatabaseOptions } from './database.options';
import { ReadRouting } from './read-routing';

// The real local stack (scripts/stack.sh, whose URLs npm test exports). The primary's outage is a
// CallPolicy that fails every primary statement: the replica monitor measures on the primary's
// pool directly, so the replica stays in rotation, as it does while the real primary is down.
const PRIMARY_URL =
  process.env.DATABASE_PRIMARY_URL ?? 'postgres://docscale:docscale@127.0.0.1:55432/docscale';
const REPLICA_URL =
  process.env.DATABASE_REPLICA_URLS?.split(',')[0] ??
  'postgres://docscale:docscale@127.0.0.1:55433/docscale';
const CLOSED_PORT_URL = 'postgres://docscale:docscale@127.0.0.1:1/docscale';

const SQL = 'SELECT $1::int AS n, pg_is_in_recovery() AS standby';

/** A member failure, as node-postgres reports a primary that refuses connections. */
function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:55432'), {
    code: 'ECONNREFUSED',
  });
}

/** The app's breaker while open: fails without trying the primary; not a member failure. */
class OpenCircuit extends Error {}

/** Counts the primary statements and fails each with `failure()` while it is set. */
class FailingPrimary implements CallPolicy {
  calls = 0;
  constructor(public failure?: () => Error) {}
  async execute<T>(work: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.failure) throw this.failure();
    return work();
  }
}

const started: { db: Database; routing: ReadRouting }[] = [];

async function routingOver(
  replicaUrls: string[],
  primary: FailingPrimary,
  extra: Partial<DatabaseOptions> = {},
): Promise<ReadRouting> {
  const options: DatabaseOptions = {
    ...extra,
    primaryUrl: PRIMARY_URL,
    replicaUrls,
    entities: [],
    poolSize: 2,
    connectTimeoutMs: 1000,
    applicationName: 'docscale-read-routing-spec',
    tokenSecret: 'read-routing-spec-secret',
    primaryCalls: primary,
  };
  const db = new Database(options);
  await db.onModuleInit();
  const routing = new ReadRouting(db, options);
  started.push({ db, routing });
  await routing.onApplicationBootstrap();
  return routing;
}

beforeAll(() => Logger.overrideLogger(false));
afterAll(async () => {
  for (const { db, routing } of started) {
    routing.onApplicationShutdown();
    await db.onApplicationShutdown();
  }
});

describe('ReadRouting.readPrimaryFirst on the local stack', () => {
  it('reads on the primary while it answers', async () => {
    const primary = new FailingPrimary();
    const routing = await routingOver([REPLICA_URL], primary);
    const read = await routing.readPrimaryFirst<{ n: number; standby: boolean }>(SQL, [1]);
    expect(read).toEqual({ rows: [{ n: 1, standby: false }], servedBy: 'primary', atLsn: null });
    expect(primary.calls).toBe(1);
  });

  it('falls back to a replica in rotation when the primary fails with a member failure', async () => {
    const primary = new FailingPrimary(refused);
    const routing = await routingOver([REPLICA_URL], primary);
    expect(routing.replicas()[0].inRotation).toBe(true);
    const read = await routing.readPrimaryFirst<{ n: number; standby: boolean }>(SQL, [2]);
    expect(read.rows).toEqual([{ n: 2, standby: true }]);
    expect(read.servedBy).toBe('replica-1');
    expect(primary.calls).toBe(1);
  });

  it('does not retry the primary when no replica is in rotation: the first error is rethrown', async () => {
    const primary = new FailingPrimary(refused);
    const routing = await routingOver([CLOSED_PORT_URL], primary);
    expect(routing.replicas()[0].inRotation).toBe(false);
    const first = refused();
    primary.failure = () => first;
    await expect(routing.readPrimaryFirst(SQL, [3])).rejects.toBe(first);
    expect(primary.calls).toBe(1);
  });

  it('does not retry the primary when no replica is configured, or replicas are off', async () => {
    const none = new FailingPrimary(refused);
    await expect((await routingOver([], none)).readPrimaryFirst(SQL, [4])).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(none.calls).toBe(1);

    const off = new FailingPrimary(refused);
    const routing = await routingOver([REPLICA_URL], off, { replicasEnabled: () => false });
    await expect(routing.readPrimaryFirst(SQL, [5])).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(off.calls).toBe(1);
  });

  it('rethrows a failure that does not say the primary is unavailable, without a replica read', async () => {
    const primary = new FailingPrimary();
    const routing = await routingOver([REPLICA_URL], primary);
    await expect(routing.readPrimaryFirst('SELECT nope FROM nowhere', [])).rejects.toMatchObject({
      code: '42P01',
    });
    primary.failure = () => new OpenCircuit('circuit open'); // not a member failure by default
    await expect(routing.readPrimaryFirst(SQL, [6])).rejects.toBeInstanceOf(OpenCircuit);
  });

  it('asks primaryUnavailable whether to fall back (the app adds its open breaker)', async () => {
    const primary = new FailingPrimary(() => new OpenCircuit('circuit open'));
    const routing = await routingOver([REPLICA_URL], primary, {
      primaryUnavailable: (err) => err instanceof OpenCircuit,
    });
    const read = await routing.readPrimaryFirst<{ n: number }>(SQL, [7]);
    expect(read.rows[0].n).toBe(7);
    expect(read.servedBy).toBe('replica-1');
    expect(primary.calls).toBe(1);
  });
});

describe('ReadRouting.readWith (TypeORM) on the local stack', () => {
  const SCOPED = `SELECT pg_is_in_recovery() AS standby,
                         current_setting('docscale.tenant_id', true) AS scope`;
  type Row = { standby: boolean; scope: string | null };

  it('runs a token-less read on a replica, in a transaction scoped to the tenant', async () => {
    const routing = await routingOver([REPLICA_URL], new FailingPrimary(), {
      scopeSetting: 'docscale.tenant_id',
    });
    const read = await routing.readWith(undefined, (em) => em.query<Row[]>(SCOPED), {
      scope: 'tenant-a',
    });
    expect(read.servedBy).toBe('replica-1');
    expect(read.value).toEqual([{ standby: true, scope: 'tenant-a' }]);
    expect(read.atLsn).not.toBeNull();
  });

  it('runs on the primary through its call policy, positioned when asked, with replicas off', async () => {
    const primary = new FailingPrimary();
    const routing = await routingOver([REPLICA_URL], primary, {
      scopeSetting: 'docscale.tenant_id',
      replicasEnabled: () => false,
    });
    const read = await routing.readWith(undefined, (em) => em.query<Row[]>(SCOPED), {
      scope: 'tenant-b',
      positioned: true,
    });
    expect(read.servedBy).toBe('primary');
    expect(read.value).toEqual([{ standby: false, scope: 'tenant-b' }]);
    expect(read.atLsn).not.toBeNull();
    expect(primary.calls).toBeGreaterThanOrEqual(1);
  });

  it('leaves the setting unset outside the transaction (transaction-local)', async () => {
    const routing = await routingOver([REPLICA_URL], new FailingPrimary(), {
      scopeSetting: 'docscale.tenant_id',
      replicasEnabled: () => false,
    });
    await routing.readWith(undefined, (em) => em.query(SCOPED), { scope: 'tenant-c' });
    const after = await routing.readWith(undefined, (em) => em.query<Row[]>(SCOPED));
    expect([null, '']).toContain(after.value[0].scope);
  });
});
