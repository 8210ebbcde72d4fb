import { ReadRouting } from '@docscale/database';
import { Injectable } from '@nestjs/common';
import { ApiKey } from './api-key';

export interface Tenant {
  id: string;
  name: string;
}

/** A working key's tenant, which key it is, and when it stops working (null: until revoked). */
export interface KeyGrant {
  tenant: Tenant;
  keyId: string;
  expiresAtMs: number | null;
}

// The expiry is checked here and again on every request that the cached answer serves
// (TenantsService): a rotated key stops at its time even while its lookup is remembered.
const FIND_BY_KEY = `SELECT t.id, t.name, k.id AS "keyId",
                            (extract(epoch FROM k.expires_at) * 1000)::float8 AS "expiresAtMs"
                       FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
                      WHERE k.key_hash = $1 AND k.revoked_at IS NULL
                        AND (k.expires_at IS NULL OR k.expires_at > now())`;

interface GrantRow extends Tenant {
  keyId: string;
  expiresAtMs: number | null;
}

@Injectable()
export class TenantsRepository {
  constructor(private readonly routing: ReadRouting) {}

  /**
   * What a working key grants, or undefined. Asked of the primary, so a key is usable (and a
   * revocation effective) the moment it is committed. While the primary is down, a replica
   * answers: every request authenticates first, and reads must keep being served then. A key
   * revoked or expired before the outage is refused by the replica too (the revocation is
   * replicated, the expiry is compared with the replica's clock). The price, only during the
   * outage: a key created or revoked within the replica's lag when the primary went is not seen
   * (a replica that lagged further is out of rotation; replica-monitor). The policy is
   * ReadRouting.readPrimaryFirst's.
   */
  async findByKey(key: string): Promise<KeyGrant | undefined> {
    const { rows } = await this.routing.readPrimaryFirst<GrantRow>(FIND_BY_KEY, [ApiKey.hash(key)]);
    const row = rows[0];
    return (
      row && {
        tenant: { id: row.id, name: row.name },
        keyId: row.keyId,
        expiresAtMs: row.expiresAtMs,
      }
    );
  }
}
