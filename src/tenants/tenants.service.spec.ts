import { AppConfig } from '../config';
import { ApiKey } from './api-key';
import { EVICT_ALL, KeyEvictions } from './key-evictions';
import { KeyUsage } from './key-usage';
import { KeyGrant, Tenant, TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

/** A repository that knows some keys and counts the lookups that reach it. */
class FakeTenantsRepository {
  readonly lookups: string[] = [];
  /** Set by a test to hold the next lookup until it calls the resolver. */
  hold?: Promise<void>;
  constructor(readonly grants: Map<string, KeyGrant>) {}

  async findByKey(key: string): Promise<KeyGrant | undefined> {
    this.lookups.push(key);
    const grant = this.grants.get(key);
    await this.hold;
    return grant;
  }
}

/** The bus as the service sees it: the test delivers evictions itself. */
class FakeEvictions {
  deliver: (keyId: string) => void = () => undefined;
  async listen(evict: (keyId: string) => void): Promise<void> {
    this.deliver = evict;
  }
  async close(): Promise<void> {}
}

async function pollUntil(check: () => Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const acme: Tenant = { id: '6f1c8a52-0a8e-4c59-b5d4-6f1e0f1b2a3c', name: 'acme' };

const KEY_ID = '0b7e3f5c-1d2a-4e6f-8a9b-0c1d2e3f4a5b';

async function setUp(ttlMs: string, expiresAtMs: number | null = null) {
  const knownKey = ApiKey.generate();
  const grant: KeyGrant = { tenant: acme, keyId: KEY_ID, expiresAtMs };
  const repository = new FakeTenantsRepository(new Map([[knownKey, grant]]));
  const evictions = new FakeEvictions();
  const usage = { used: [] as string[] };
  const service = new TenantsService(
    repository as unknown as TenantsRepository,
    AppConfig.load({ AUTH_CACHE_TTL_MS: ttlMs }),
    evictions as unknown as KeyEvictions,
    { used: (id: string) => usage.used.push(id) } as unknown as KeyUsage,
  );
  await service.onModuleInit();
  return { service, repository, knownKey, evictions, usage };
}

describe('TenantsService', () => {
  it('rejects malformed keys without a repository lookup', async () => {
    const { service, repository } = await setUp('60000');

    for (const key of ['', 'dsk_short', 'Bearer dsk_x', 'x'.repeat(47)]) {
      expect(await service.authenticate(key)).toBeUndefined();
    }
    expect(repository.lookups).toEqual([]);
  });

  it('resolves a known key to its tenant', async () => {
    const { service, knownKey } = await setUp('60000');

    expect(await service.authenticate(knownKey)).toEqual(acme);
  });

  it('looks a known key up once within the TTL', async () => {
    const { service, repository, knownKey } = await setUp('60000');

    for (let i = 0; i < 5; i++) expect(await service.authenticate(knownKey)).toEqual(acme);
    expect(repository.lookups).toEqual([knownKey]);
  });

  it('remembers unknown keys too, so a client hammering a bad key reaches the repository once', async () => {
    const { service, repository } = await setUp('60000');
    const unknownKey = ApiKey.generate();

    for (let i = 0; i < 5; i++) expect(await service.authenticate(unknownKey)).toBeUndefined();
    expect(repository.lookups).toEqual([unknownKey]);
  });

  it('caches each key separately', async () => {
    const { service, repository, knownKey } = await setUp('60000');
    const unknownKey = ApiKey.generate();

    await service.authenticate(knownKey);
    expect(await service.authenticate(unknownKey)).toBeUndefined();
    expect(await service.authenticate(knownKey)).toEqual(acme);
    expect(repository.lookups).toEqual([knownKey, unknownKey]);
  });

  it('looks the key up again once the TTL has passed', async () => {
    const { service, repository, knownKey } = await setUp('20');

    await service.authenticate(knownKey);
    await pollUntil(async () => {
      await service.authenticate(knownKey);
      return repository.lookups.length >= 2;
    });
    expect(repository.lookups).toEqual([knownKey, knownKey]);
  });

  it('sends every call to the repository when AUTH_CACHE_TTL_MS=0', async () => {
    const { service, repository, knownKey } = await setUp('0');
    const unknownKey = ApiKey.generate();

    for (let i = 0; i < 3; i++) {
      expect(await service.authenticate(knownKey)).toEqual(acme);
      expect(await service.authenticate(unknownKey)).toBeUndefined();
    }
    expect(repository.lookups).toHaveLength(6);
  });
});

describe('TenantsService with revocations and rotations', () => {
  it('looks a key up again once an eviction for it arrives', async () => {
    const { service, repository, knownKey, evictions } = await setUp('60000');

    await service.authenticate(knownKey);
    repository.grants.delete(knownKey); // revoked in the database
    evictions.deliver(KEY_ID);

    expect(service.remembered(knownKey)).toBeUndefined();
    expect(await service.authenticate(knownKey)).toBeUndefined();
    expect(repository.lookups).toEqual([knownKey, knownKey]);
  });

  it('keeps other keys when an eviction names one, and forgets all on EVICT_ALL', async () => {
    const { service, knownKey, evictions } = await setUp('60000');

    await service.authenticate(knownKey);
    evictions.deliver('6a1b2c3d-0000-4000-8000-000000000000');
    expect(service.remembered(knownKey)).toEqual(acme);
    evictions.deliver(EVICT_ALL);
    expect(service.remembered(knownKey)).toBeUndefined();
  });

  it('does not remember a lookup that an eviction overtook', async () => {
    const { service, repository, knownKey, evictions } = await setUp('60000');
    let release!: () => void;
    repository.hold = new Promise((resolve) => (release = resolve));

    const pending = service.authenticate(knownKey);
    evictions.deliver(KEY_ID); // the revocation commits and is announced while the lookup runs
    release();

    expect(await pending).toEqual(acme); // the request began before the revocation
    expect(service.remembered(knownKey)).toBeUndefined();
  });

  it('refuses a rotated key from the moment its overlap ends, though its lookup is remembered', async () => {
    const { service, repository, knownKey } = await setUp('60000', Date.now() + 50);

    expect(await service.authenticate(knownKey)).toEqual(acme);
    await pollUntil(async () => (await service.authenticate(knownKey)) === undefined);
    expect(service.remembered(knownKey)).toBeUndefined();
    expect(repository.lookups).toEqual([knownKey]);
  });

  it('notes each use of a working key, and none of a failed one', async () => {
    const { service, knownKey, usage } = await setUp('60000');

    await service.authenticate(knownKey);
    service.remembered(knownKey);
    await service.authenticate(ApiKey.generate());

    expect(usage.used).toEqual([KEY_ID, KEY_ID]);
  });
});
