import { AppConfig } from '../config';
import { ApiKey } from './api-key';
import { Tenant, TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

/** A repository that knows some keys and counts the lookups that reach it. */
class FakeTenantsRepository {
  readonly lookups: string[] = [];
  constructor(private readonly tenants: Map<string, Tenant>) {}

  async findByKey(key: string): Promise<Tenant | undefined> {
    this.lookups.push(key);
    return this.tenants.get(key);
  }
}

async function pollUntil(check: () => Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const acme: Tenant = { id: '6f1c8a52-0a8e-4c59-b5d4-6f1e0f1b2a3c', name: 'acme' };

function setUp(ttlMs: string) {
  const knownKey = ApiKey.generate();
  const repository = new FakeTenantsRepository(new Map([[knownKey, acme]]));
  const service = new TenantsService(
    repository as unknown as TenantsRepository,
    AppConfig.load({ AUTH_CACHE_TTL_MS: ttlMs }),
  );
  return { service, repository, knownKey };
}

describe('TenantsService', () => {
  it('rejects malformed keys without a repository lookup', async () => {
    const { service, repository } = setUp('60000');

    for (const key of ['', 'dsk_short', 'Bearer dsk_x', 'x'.repeat(47)]) {
      expect(await service.authenticate(key)).toBeUndefined();
    }
    expect(repository.lookups).toEqual([]);
  });

  it('resolves a known key to its tenant', async () => {
    const { service, knownKey } = setUp('60000');

    expect(await service.authenticate(knownKey)).toEqual(acme);
  });

  it('looks a known key up once within the TTL', async () => {
    const { service, repository, knownKey } = setUp('60000');

    for (let i = 0; i < 5; i++) expect(await service.authenticate(knownKey)).toEqual(acme);
    expect(repository.lookups).toEqual([knownKey]);
  });

  it('remembers unknown keys too, so a client hammering a bad key reaches the repository once', async () => {
    const { service, repository } = setUp('60000');
    const unknownKey = ApiKey.generate();

    for (let i = 0; i < 5; i++) expect(await service.authenticate(unknownKey)).toBeUndefined();
    expect(repository.lookups).toEqual([unknownKey]);
  });

  it('caches each key separately', async () => {
    const { service, repository, knownKey } = setUp('60000');
    const unknownKey = ApiKey.generate();

    await service.authenticate(knownKey);
    expect(await service.authenticate(unknownKey)).toBeUndefined();
    expect(await service.authenticate(knownKey)).toEqual(acme);
    expect(repository.lookups).toEqual([knownKey, unknownKey]);
  });

  it('looks the key up again once the TTL has passed', async () => {
    const { service, repository, knownKey } = setUp('20');

    await service.authenticate(knownKey);
    await pollUntil(async () => {
      await service.authenticate(knownKey);
      return repository.lookups.length >= 2;
    });
    expect(repository.lookups).toEqual([knownKey, knownKey]);
  });

  it('sends every call to the repository when AUTH_CACHE_TTL_MS=0', async () => {
    const { service, repository, knownKey } = setUp('0');
    const unknownKey = ApiKey.generate();

    for (let i = 0; i < 3; i++) {
      expect(await service.authenticate(knownKey)).toEqual(acme);
      expect(await service.authenticate(unknownKey)).toBeUndefined();
    }
    expect(repository.lookups).toHaveLength(6);
  });
});
