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
 * Unknown keys are remembered too, in a separate smaller cache: a client repeating a bad key does
 * not reach the database, and a flood of distinct random keys cannot evict the valid ones (it only
 * churns the negative cache, each new key costing one indexed lookup).
 */
@Injectable()
export class TenantsService {
  private readonly known?: LRUCache<string, Tenant>;
  private readonly unknown?: LRUCache<string, true>;

  constructor(
    private readonly repository: TenantsRepository,
    @Inject(AppConfig) config: AppConfig,
  ) {
    const ttl = config.env.AUTH_CACHE_TTL_MS;
    if (ttl > 0) {
      this.known = new LRUCache({ max: 10_000, ttl });
      this.unknown = new LRUCache({ max: 1_000, ttl });
    }
  }

  async authenticate(key: string): Promise<Tenant | undefined> {
    if (!ApiKey.isWellFormed(key)) return undefined;
    const cached = this.known?.get(key);
    if (cached) return cached;
    if (this.unknown?.has(key)) return undefined;
    const tenant = await this.repository.findByKey(key);
    if (tenant) this.known?.set(key, tenant);
    else this.unknown?.set(key, true);
    return tenant;
  }
}
