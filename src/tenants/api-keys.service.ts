import { Injectable, Logger } from '@nestjs/common';
import { ApiKeyNotActiveError, ApiKeyNotFoundError, TenantNotFoundError } from './api-key.errors';
import { ApiKeyInfo, ApiKeysRepository, IssuedApiKey } from './api-keys.repository';
import { KeyEvictions } from './key-evictions';

/** What a change that ends a key's validity reports: whether every instance was told at once. */
export interface Announced<T> {
  value: T;
  /**
   * False when the eviction could not be published (Redis unreachable): the change is committed,
   * and instances that remembered the key forget it within AUTH_CACHE_TTL_MS instead of 1 s.
   */
  announced: boolean;
}

/**
 * The API key lifecycle, as the admin API and `npm run key` drive it: each change commits on the
 * primary first, then (for a revocation or a rotation) tells every instance to forget the key.
 */
@Injectable()
export class ApiKeysService {
  private readonly log = new Logger('ApiKeys');

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly evictions: KeyEvictions,
  ) {}

  async create(tenant: string): Promise<IssuedApiKey> {
    const issued = await this.keys.create(tenant);
    if (!issued) throw new TenantNotFoundError(tenant);
    return issued;
  }

  async list(tenant: string): Promise<ApiKeyInfo[]> {
    const keys = await this.keys.list(tenant);
    if (!keys) throw new TenantNotFoundError(tenant);
    return keys;
  }

  async revoke(tenant: string, id: string): Promise<Announced<ApiKeyInfo>> {
    const info = await this.keys.revoke(tenant, id);
    if (!info) throw new ApiKeyNotFoundError(tenant, id);
    return { value: info, announced: await this.announce(id) };
  }

  /** A new key; the old one keeps working for `overlapSeconds` (never longer than it would have). */
  async rotate(
    tenant: string,
    id: string,
    overlapSeconds: number,
  ): Promise<Announced<IssuedApiKey & { replaced: { id: string; expiresAt: Date } }>> {
    const outcome = await this.keys.rotate(tenant, id, overlapSeconds);
    if (outcome.kind === 'not-found') throw new ApiKeyNotFoundError(tenant, id);
    if (outcome.kind === 'not-active') throw new ApiKeyNotActiveError(id, outcome.info.state);
    // Instances that remember the old key must learn its new expiry: they look it up again.
    const announced = await this.announce(id);
    const replaced = { id, expiresAt: outcome.oldExpiresAt };
    return { value: { ...outcome.issued, replaced }, announced };
  }

  private async announce(keyId: string): Promise<boolean> {
    try {
      await this.evictions.publish(keyId);
      return true;
    } catch (err) {
      this.log.warn(
        `API key ${keyId} changed, but the eviction was not published (${(err as Error).message}): instances forget it within AUTH_CACHE_TTL_MS`,
      );
      return false;
    }
  }
}
