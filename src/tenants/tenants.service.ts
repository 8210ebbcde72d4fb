import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../config';
import { Tenant, TenantsRepository } from './tenants.repository';
import { ApiKey } from './api-key';

/**
 * Resolves API keys to tenants. Lookups are remembered per instance for AUTH_CACHE_TTL_MS (0 turns
 * it off): without it every request pays a primary round trip before its real work. The price is
 * that a revoked key keeps working for up to that long on an instance that saw it; the answer
 * for a given key never differs otherwise, so handlers stay stateless in the sense that matters.
 * Unknown keys are remembered too, so a client hammering with a bad key cannot reach the database.
 */
@Injectable()
export class TenantsService {
  private readonly cache?: LRUCache<string, Tenant | false>;

  constructor(
    private readonly repository: TenantsRepository,
    @Inject(AppConfig) config: AppConfig,
  ) {
    const ttl = config.env.AUTH_CACHE_TTL_MS;
    if (ttl > 0) this.cache = new LRUCache({ max: 10_000, ttl });
  }

  async authenticate(key: string): Promise<Tenant | undefined> {
    if (!ApiKey.isWellFormed(key)) return undefined;
    const cached = this.cache?.get(key);
    if (cached !== undefined) return cached || undefined;
    const tenant = await this.repository.findByKey(key);
    this.cache?.set(key, tenant ?? false);
    return tenant;
  }
}
