import { ReadRouting } from '@docscale/database';
import { Injectable } from '@nestjs/common';
import { ApiKey } from './api-key';

export interface Tenant {
  id: string;
  name: string;
}

const FIND_BY_KEY = `SELECT t.id, t.name
                       FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
                      WHERE k.key_hash = $1 AND k.revoked_at IS NULL`;

@Injectable()
export class TenantsRepository {
  constructor(private readonly routing: ReadRouting) {}

  /**
   * The tenant an unrevoked key belongs to, or undefined. Asked of the primary, so a key is
   * usable (and a revocation effective) the moment it is committed. While the primary is down,
   * a replica answers: every request authenticates first, and reads must keep being served then.
   * The price, only during the outage: a key created or revoked within the replica's lag when the
   * primary went is not seen (a replica that lagged further is out of rotation; replica-monitor).
   * The policy is ReadRouting.readPrimaryFirst's.
   */
  async findByKey(key: string): Promise<Tenant | undefined> {
    return (await this.routing.readPrimaryFirst<Tenant>(FIND_BY_KEY, [ApiKey.hash(key)])).rows[0];
  }
}
