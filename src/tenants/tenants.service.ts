import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../config';
import { ApiKey } from './api-key';
import { EVICT_ALL, KeyEvictions } from './key-evictions';
import { KeyUsage } from './key-usage';
import { KeyGrant, Tenant, TenantsRepository } from './tenants.repository';

/** Working keys remembered per instance: every active key of a large deployment fits. */
const KNOWN_KEYS = 10_000;
/** Unknown keys remembered: a separate, smaller cache, so a flood of them cannot evict the above. */
const UNKNOWN_KEYS = 1_000;

/**
 * Resolves API keys to tenants. Lookups are remembered per instance for AUTH_CACHE_TTL_MS (0 turns
 * it off): without it every request pays a primary round trip before its real work. A revoked or
 * rotated key is forgotten on every instance as soon as the eviction published for it arrives
 * (key-evictions.ts, within 1 s); AUTH_CACHE_TTL_MS bounds it when the message is missed. A
 * rotated key's expiry is checked on every request, so it stops at its time whatever is cached.
 *
 * Unknown keys are remembered too, in a separate smaller cache: a client repeating a bad key does
 * not reach the database, and a flood of distinct random keys cannot evict the valid ones (it only
 * churns the negative cache, each new key costing one indexed lookup; failed-auth-limit.ts caps
 * how many a client address may try).
 */
@Injectable()
export class TenantsService implements OnModuleInit, OnApplicationShutdown {
  private readonly known?: LRUCache<string, KeyGrant>;
  private readonly unknown?: LRUCache<string, true>;
  /** Evictions heard so far: a lookup that began before one must not fill the cache. */
  private evictions = 0;

  constructor(
    private readonly repository: TenantsRepository,
    @Inject(AppConfig) config: AppConfig,
    private readonly evictionBus: KeyEvictions,
    private readonly usage: KeyUsage,
  ) {
    const ttl = config.env.AUTH_CACHE_TTL_MS;
    if (ttl > 0) {
      this.known = new LRUCache({ max: KNOWN_KEYS, ttl });
      this.unknown = new LRUCache({ max: UNKNOWN_KEYS, ttl });
    }
  }

  async onModuleInit(): Promise<void> {
    if (this.known) await this.evictionBus.listen((keyId) => this.evict(keyId));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.evictionBus.close();
  }

  /** The tenant of a key this instance remembers as working (no lookup), or undefined. */
  remembered(key: string): Tenant | undefined {
    const grant = this.known?.get(key);
    if (!grant) return undefined;
    return this.grants(key, grant) ? grant.tenant : undefined;
  }

  async authenticate(key: string): Promise<Tenant | undefined> {
    if (!ApiKey.isWellFormed(key)) return undefined;
    const cached = this.known?.get(key);
    if (cached) return this.grants(key, cached) ? cached.tenant : undefined;
    if (this.unknown?.has(key)) return undefined;
    const seen = this.evictions;
    const grant = await this.repository.findByKey(key);
    if (!grant) {
      this.unknown?.set(key, true);
      return undefined;
    }
    // A revocation committed while this lookup ran may have been announced before its answer
    // (found on a replica that had not replayed it yet, or read just before the commit): the
    // answer serves this request, which began before the revocation, but is not remembered.
    if (seen === this.evictions) this.known?.set(key, grant);
    return this.grants(key, grant) ? grant.tenant : undefined;
  }

  /** Forgets what this instance remembers of `keyId` (every key for EVICT_ALL). */
  evict(keyId: string): void {
    this.evictions++;
    if (!this.known) return;
    if (keyId === EVICT_ALL) return this.known.clear();
    const stale: string[] = [];
    for (const [key, grant] of this.known.entries()) if (grant.keyId === keyId) stale.push(key);
    for (const key of stale) this.known.delete(key);
  }

  /** Whether `grant` still holds now (a rotated key's overlap may have ended); notes the use. */
  private grants(key: string, grant: KeyGrant): boolean {
    if (grant.expiresAtMs !== null && Date.now() >= grant.expiresAtMs) {
      this.known?.delete(key);
      this.unknown?.set(key, true);
      return false;
    }
    this.usage.used(grant.keyId);
    return true;
  }
}
