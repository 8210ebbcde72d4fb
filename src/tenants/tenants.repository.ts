import { Database, isMemberFailure, ReadRouting } from '@docscale/database';
import { CircuitOpenError } from '@docscale/resilience';
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
  constructor(
    private readonly db: Database,
    private readonly routing: ReadRouting,
  ) {}

  /**
   * The tenant an unrevoked key belongs to, or undefined. Asked of the primary, so a key is
   * usable (and a revocation effective) the moment it is committed. While the primary is down,
   * a replica answers: every request authenticates first, and reads must keep being served then.
   * The price, only during the outage: a key created or revoked within the replica's lag when the
   * primary went is not seen (a replica that lagged further is out of rotation; replica-monitor).
   */
  async findByKey(key: string): Promise<Tenant | undefined> {
    const params = [ApiKey.hash(key)];
    try {
      return (await this.db.query<Tenant>(FIND_BY_KEY, params))[0];
    } catch (err) {
      if (!(err instanceof CircuitOpenError) && !isMemberFailure(err)) throw err;
      return (await this.routing.read<Tenant>(FIND_BY_KEY, params)).rows[0];
    }
  }
}
