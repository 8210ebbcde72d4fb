import type { ExecutionContext } from '@nestjs/common';
// pattern:rate-limit:begin
import type { RateLimiter } from '@docscale/resilience';
import type { Toggles } from '@docscale/toggles';
// pattern:rate-limit:end
import { AppConfig } from '../config';
// pattern:rate-limit:begin
import {
  InvalidApiKeyError,
  MissingApiKeyError,
  TooManyFailedAuthenticationsError,
} from '../problems/problem.errors';
// pattern:rate-limit:end
import { ApiKey } from './api-key';
import { ApiKeyGuard } from './api-key.guard';
import { FailedAuthLimit } from './failed-auth-limit'; // pattern:rate-limit
import type { KeyEvictions } from './key-evictions';
import type { KeyUsage } from './key-usage';
import type { KeyGrant, TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

// pattern:rate-limit:begin
const LIMIT = 5;

/** A limiter with one bucket per subject of LIMIT tokens that never refill during a test. */
class FakeLimiter {
  readonly spent = new Map<string, number>();
  async take(subject: string) {
    const spent = (this.spent.get(subject) ?? 0) + 1;
    this.spent.set(subject, spent);
    const allowed = spent <= LIMIT;
    return { allowed, limit: LIMIT, retryAfterSeconds: allowed ? 0 : 12 };
  }
}

function setUp(rateLimitOn = true) {
  // pattern:rate-limit:else
  // function setUp() {
  // pattern:rate-limit:end
  const key = ApiKey.generate();
  const grant: KeyGrant = {
    tenant: { id: '6f1c8a52-0a8e-4c59-b5d4-6f1e0f1b2a3c', name: 'acme' },
    keyId: '0b7e3f5c-1d2a-4e6f-8a9b-0c1d2e3f4a5b',
    expiresAtMs: null,
  };
  const lookups: string[] = [];
  const repository = {
    findByKey: async (k: string) => {
      lookups.push(k);
      return k === key ? grant : undefined;
    },
  };
  const tenants = new TenantsService(
    repository as unknown as TenantsRepository,
    AppConfig.load({ AUTH_CACHE_TTL_MS: '60000' }),
    { listen: async () => undefined } as unknown as KeyEvictions,
    { used: () => undefined } as unknown as KeyUsage,
  );
  // pattern:rate-limit:begin
  const limiter = new FakeLimiter();
  const limit = new FailedAuthLimit(
    limiter as unknown as RateLimiter,
    { isOn: () => rateLimitOn } as unknown as Toggles,
  );
  const guard = new ApiKeyGuard(tenants, limit);
  // pattern:rate-limit:else
  // const guard = new ApiKeyGuard(tenants);
  // pattern:rate-limit:end
  const call = (ip: string, apiKey?: string) => {
    const request = { ip, headers: apiKey === undefined ? {} : { 'x-api-key': apiKey } };
    const context = {
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    return guard.canActivate(context);
  };
  // pattern:rate-limit:begin
  return { call, key, lookups, limiter };
  // pattern:rate-limit:else
  // return { call, key, lookups };
  // pattern:rate-limit:end
}

/** The error a guard call ends with, or 'ok'. */
const outcome = (p: Promise<boolean>) =>
  p.then(
    () => 'ok',
    (err: Error) => err.constructor.name,
  );

describe('ApiKeyGuard with the limit on failed authentications', () => {
  // pattern:rate-limit:begin
  it('answers 401 for the first failures of an address and TooManyFailedAuthentications after', async () => {
    const { call } = setUp();
    const outcomes: string[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      outcomes.push(await outcome(call('10.0.0.1', i % 2 ? undefined : ApiKey.generate())));
    }
    expect(outcomes).toEqual([
      ...Array.from({ length: LIMIT }, (_, i) =>
        i % 2 ? MissingApiKeyError.name : InvalidApiKeyError.name,
      ),
      TooManyFailedAuthenticationsError.name,
      TooManyFailedAuthenticationsError.name,
    ]);
  });

  it('costs at most LIMIT + 1 lookups for a flood of distinct random keys from one address, and no limiter call once blocked', async () => {
    const { call, lookups, limiter } = setUp();

    for (let i = 0; i < 1000; i++) await outcome(call('10.0.0.2', ApiKey.generate()));

    // The one that found the budget spent was looked up first; none after it.
    expect(lookups).toHaveLength(LIMIT + 1);
    expect(limiter.spent.get('address:10.0.0.2')).toBe(LIMIT + 1);
  });
  // pattern:rate-limit:end

  it('looks each distinct unknown key up once per TTL, whatever the number of addresses sending it', async () => {
    const { call, lookups } = setUp();
    const keys = Array.from({ length: 3 }, () => ApiKey.generate());

    for (let i = 0; i < 30; i++) await outcome(call(`10.1.0.${i}`, keys[i % 3]));

    expect(lookups.sort()).toEqual([...keys].sort());
  });

  // pattern:rate-limit:begin
  it('serves a known key from a blocked address without spending from its budget', async () => {
    const { call, key, limiter } = setUp();
    expect(await outcome(call('10.0.0.3', key))).toBe('ok');
    for (let i = 0; i <= LIMIT; i++) await outcome(call('10.0.0.3', ApiKey.generate()));

    expect(await outcome(call('10.0.0.3', key))).toBe('ok');
    expect(limiter.spent.get('address:10.0.0.3')).toBe(LIMIT + 1);
  });

  it('never refuses with RATE_LIMIT off (and then every new key is looked up)', async () => {
    const { call, lookups } = setUp(false);

    const outcomes = new Set<string>();
    for (let i = 0; i < 50; i++) outcomes.add(await outcome(call('10.0.0.4', ApiKey.generate())));

    expect([...outcomes]).toEqual([InvalidApiKeyError.name]);
    expect(lookups).toHaveLength(50);
  });
  // pattern:rate-limit:end
});
