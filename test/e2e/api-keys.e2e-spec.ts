/**
 * The API key lifecycle across two instances (docs/api-keys.md): keys created, listed, revoked and
 * rotated through the admin API and `npm run key`; a revocation refused on every instance within
 * 1 s, a rotation's old key working until its overlap ends and not after, also while the primary
 * is stopped. AUTH_CACHE_TTL_MS is a minute here, so only the eviction can explain a refusal
 * within a second (and the negative control shows the cache would keep the key otherwise).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { stack } from '../../scripts/processes/stack'; // pattern:read-replicas
import { Instance, startInstances, stopAll } from '../helpers/instances';
import { pollUntil } from '../helpers/poll';
import { newTenant } from '../helpers/tenants';

jest.setTimeout(60_000);

const ADMIN_KEY = 'admin-key-for-the-api-keys-suite';
const admin = { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' };
/** The bound the issue sets on revocation, measured from the revoking call's answer. */
const REVOCATION_BOUND_MS = 1000;

interface KeyBody {
  id: string;
  prefix: string;
  state: string;
  key?: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  replaced?: { id: string; expiresAt: string };
}

describe('API key lifecycle', () => {
  let instances: Instance[];
  let tenant: string;

  beforeAll(async () => {
    instances = await startInstances(2, {
      ADMIN_API_KEY: ADMIN_KEY,
      AUTH_CACHE_TTL_MS: '60000',
      AUTH_LAST_USED_INTERVAL_MS: '200',
      READ_REPLICAS: 'on',
      BREAKER_HALF_OPEN_MS: '500',
    });
  });
  beforeEach(async () => {
    tenant = `keys-${randomUUID()}`;
    await newTenantNamed(tenant);
  });
  afterAll(async () => {
    await stopAll(instances);
  });

  const keysUrl = (i: Instance, path = '') =>
    `${i.adminUrl}/v1/admin/tenants/${encodeURIComponent(tenant)}/keys${path}`;
  const createKey = async (i = instances[0]): Promise<KeyBody> => {
    const res = await fetch(keysUrl(i), {
      method: 'POST',
      headers: { Authorization: admin.Authorization },
    });
    expect(res.status).toBe(201);
    return (await res.json()) as KeyBody;
  };
  const listKeys = async (i = instances[0]) => {
    const res = await fetch(keysUrl(i), { headers: admin });
    expect(res.status).toBe(200);
    return {
      text: await res.clone().text(),
      keys: ((await res.json()) as { keys: KeyBody[] }).keys,
    };
  };
  const revoke = (id: string, i = instances[0]) =>
    fetch(keysUrl(i, `/${id}`), {
      method: 'DELETE',
      headers: { Authorization: admin.Authorization },
    });
  const rotate = (id: string, overlapSeconds: unknown, i = instances[0]) =>
    fetch(keysUrl(i, `/${id}/rotate`), {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ overlapSeconds }),
    });
  /** A tenant read's status with `key` (200 while the key works, 401 once it does not). */
  const statusWith = async (i: Instance, key: string) =>
    (await fetch(`${i.url}/v1/documents?limit=1`, { headers: { Authorization: `Bearer ${key}` } }))
      .status;
  const everywhere = async (key: string) => Promise.all(instances.map((i) => statusWith(i, key)));

  /** Polls until every instance refuses `key`; returns how long that took from `since`. */
  async function refusedEverywhereAfter(key: string, since: number): Promise<number> {
    await pollUntil(async () => (await everywhere(key)).every((s) => s === 401), {
      timeoutMs: 10_000,
      intervalMs: 10,
      what: 'every instance to refuse the key',
    });
    return performance.now() - since;
  }

  it('creates a key that works on every instance, shown once', async () => {
    const created = await createKey();

    expect(created).toMatchObject({ state: 'active', lastUsedAt: null, expiresAt: null });
    expect(created.key).toMatch(/^dsk_[A-Za-z0-9_-]{43}$/);
    expect(created.key!.startsWith(created.prefix)).toBe(true);
    expect(await everywhere(created.key!)).toEqual([200, 200]);
  });

  it('lists id, prefix, state and times, never the key or its digest', async () => {
    const created = await createKey();
    const { text, keys } = await listKeys();

    expect(keys.map((k) => k.id)).toContain(created.id);
    for (const k of keys) {
      expect(Object.keys(k).sort()).toEqual(
        ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'prefix', 'revokedAt', 'state'].sort(),
      );
    }
    expect(text).not.toContain(created.key!);
    expect(text).not.toContain(created.key!.slice(created.prefix.length));
  });

  it('records when a key was last used, coarsely and without failing requests', async () => {
    const created = await createKey();
    const before = Date.now();
    expect(await statusWith(instances[1], created.key!)).toBe(200);

    await pollUntil(
      async () => (await listKeys()).keys.some((k) => k.id === created.id && k.lastUsedAt !== null),
      {
        timeoutMs: 5000,
        what: 'lastUsedAt to be recorded',
      },
    );
    const used = (await listKeys()).keys.find((k) => k.id === created.id)!;
    expect(Date.parse(used.lastUsedAt!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('refuses a key revoked on one instance on every instance within 1 s', async () => {
    const created = await createKey();
    expect(await everywhere(created.key!)).toEqual([200, 200]); // remembered by both, for a minute

    const res = await revoke(created.id, instances[0]);
    const answeredAt = performance.now();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: created.id, state: 'revoked' });

    const tookMs = await refusedEverywhereAfter(created.key!, answeredAt);
    console.log(`revocation refused on both instances after ${tookMs.toFixed(0)} ms`);
    expect(tookMs).toBeLessThan(REVOCATION_BOUND_MS);
  });

  it('keeps serving a key revoked by hand in SQL (no eviction) from the cache: the eviction is what makes revocation fast', async () => {
    const created = await createKey();
    expect(await everywhere(created.key!)).toEqual([200, 200]);

    await sql(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [created.id]);
    const revokedAt = performance.now();
    // Still accepted after the 1 s bound: each instance remembers the key (AUTH_CACHE_TTL_MS).
    await pollUntil(() => performance.now() - revokedAt > REVOCATION_BOUND_MS + 200, {
      intervalMs: 100,
      timeoutMs: 3000,
    });
    expect(await everywhere(created.key!)).toEqual([200, 200]);
  });

  it('revokes through npm run key too, refused on every instance within 1 s', async () => {
    const created = await createKey();
    expect(await everywhere(created.key!)).toEqual([200, 200]);

    const { stdout } = await runKeyScript('revoke', tenant, created.id);
    const answeredAt = performance.now();
    expect(stdout).toContain(`revoked ${created.id}`);

    expect(await refusedEverywhereAfter(created.key!, answeredAt)).toBeLessThan(
      REVOCATION_BOUND_MS,
    );
  });

  it('prints usage for npm run key --help and for bad arguments, not a stack trace', async () => {
    const help = await runKeyScript('--help');
    expect(help.stdout).toMatch(/^usage: npm run key -- create <tenant>/);
    const bad = await runKeyScript('rotate', tenant).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain('usage: npm run key');
    expect((bad as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps both keys working during a rotation overlap, and refuses the old one after it', async () => {
    const old = await createKey();
    expect(await everywhere(old.key!)).toEqual([200, 200]);

    const res = await rotate(old.id, 2, instances[1]);
    expect(res.status).toBe(201);
    const rotated = (await res.json()) as KeyBody;
    expect(rotated.replaced).toEqual({ id: old.id, expiresAt: expect.any(String) });
    const endsAt = Date.parse(rotated.replaced!.expiresAt);

    expect(await everywhere(old.key!)).toEqual([200, 200]);
    expect(await everywhere(rotated.key!)).toEqual([200, 200]);
    expect((await listKeys()).keys.find((k) => k.id === old.id)).toMatchObject({
      state: 'expiring',
    });

    await refusedEverywhereAfter(old.key!, performance.now());
    expect(Date.now()).toBeGreaterThanOrEqual(endsAt - 50); // not before its time (clock slack)
    expect(await everywhere(rotated.key!)).toEqual([200, 200]);
    expect((await listKeys()).keys.find((k) => k.id === old.id)).toMatchObject({
      state: 'expired',
    });
  });

  it('refuses to rotate a revoked key (409) or an unknown one (404), and checks the overlap (400)', async () => {
    const created = await createKey();
    expect((await revoke(created.id)).status).toBe(200);

    const revoked = await rotate(created.id, 60);
    expect(revoked.status).toBe(409);
    expect(await revoked.json()).toMatchObject({
      type: '/problems/api-key-not-active',
      state: 'revoked',
    });
    const unknown = await rotate(randomUUID(), 60);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { type: string }).type).toBe('/problems/api-key-not-found');
    const negative = await rotate(created.id, -1);
    expect(negative.status).toBe(400);
    expect(((await negative.json()) as { type: string }).type).toBe('/problems/validation-failed');
  });

  it('answers 404 tenant-not-found for a tenant that does not exist, and 400 for a key id that is not a UUID', async () => {
    const missing = await fetch(
      `${instances[0].adminUrl}/v1/admin/tenants/no-such-tenant-${randomUUID()}/keys`,
      { headers: admin },
    );
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { type: string }).type).toBe('/problems/tenant-not-found');
    const badId = await revoke('not-a-uuid');
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { type: string }).type).toBe('/problems/validation-failed');
  });

  it('refuses the admin key routes without the admin key', async () => {
    const res = await fetch(keysUrl(instances[0]), {
      headers: { Authorization: `Bearer ${(await newTenant('not-admin')).key}` },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { type: string }).type).toBe('/problems/invalid-admin-key');
  });

  // Lookups on the replica while the primary is down: with read replicas only.
  // pattern:read-replicas:begin
  describe('while the primary is stopped', () => {
    afterAll(() => stack('up'));

    it('keeps refusing revoked keys and ends rotation overlaps on time, with a replica answering lookups', async () => {
      const working = await createKey();
      const [revokedSeen, revokedUnseen] = [await createKey(), await createKey()];
      const [rotatingSeen, rotatingUnseen] = [await createKey(), await createKey()];
      expect(await everywhere(working.key!)).toEqual([200, 200]);
      expect(await everywhere(revokedSeen.key!)).toEqual([200, 200]);
      for (const k of [revokedSeen, revokedUnseen]) expect((await revoke(k.id)).status).toBe(200);
      for (const k of [rotatingSeen, rotatingUnseen])
        expect((await rotate(k.id, 6)).status).toBe(201);
      // Remembered with its new expiry by both instances; the other is first looked up below.
      expect(await everywhere(rotatingSeen.key!)).toEqual([200, 200]);
      await waitForReplay();

      stack('stop-member', 'primary');
      try {
        expect(await everywhere(working.key!)).toEqual([200, 200]);
        // Never remembered as working: looked up during the outage, on the replica.
        expect(await everywhere(revokedUnseen.key!)).toEqual([401, 401]);
        expect(await everywhere(revokedSeen.key!)).toEqual([401, 401]);
        expect(await everywhere(rotatingUnseen.key!)).toEqual([200, 200]);
        // Both stop at the end of their overlap: the expiry is checked on every request.
        await refusedEverywhereAfter(rotatingSeen.key!, performance.now());
        await refusedEverywhereAfter(rotatingUnseen.key!, performance.now());
        expect(await everywhere(working.key!)).toEqual([200, 200]);
      } finally {
        stack('up');
      }
    });
  });
  // pattern:read-replicas:end
});

/** Creates the tenant (no key) under `name`. */
async function newTenantNamed(name: string): Promise<void> {
  await sql(`INSERT INTO tenants (name) VALUES ($1)`, [name]);
}

async function sql(text: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: process.env.DATABASE_PRIMARY_URL });
  await client.connect();
  try {
    await client.query(text, params);
  } finally {
    await client.end();
  }
}

// pattern:read-replicas:begin
/** Waits until the replica has replayed everything the primary has written so far. */
async function waitForReplay(): Promise<void> {
  const primary = new Client({ connectionString: process.env.DATABASE_PRIMARY_URL });
  const replica = new Client({
    connectionString: process.env.DATABASE_REPLICA_URLS?.split(',')[0],
  });
  await Promise.all([primary.connect(), replica.connect()]);
  try {
    const { rows } = await primary.query<{ lsn: string }>(
      'SELECT pg_current_wal_lsn()::text AS lsn',
    );
    await pollUntil(
      async () =>
        (
          await replica.query<{ caught: boolean }>(
            'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught',
            [rows[0].lsn],
          )
        ).rows[0].caught,
      { timeoutMs: 10_000, what: 'the replica to replay the key changes' },
    );
  } finally {
    await Promise.all([primary.end(), replica.end()]);
  }
}
// pattern:read-replicas:end

const run = promisify(execFile);

function runKeyScript(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [join(__dirname, '../../dist/scripts/api-keys.js'), ...args], {
    env: process.env,
  });
}
