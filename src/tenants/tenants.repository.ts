import { Database } from '@docscale/database';
import { Injectable } from '@nestjs/common';
import { ApiKey } from './api-key';

export interface Tenant {
  id: string;
  name: string;
}

@Injectable()
export class TenantsRepository {
  constructor(private readonly db: Database) {}

  /** The tenant an unrevoked key belongs to, or undefined. */
  async findByKey(key: string): Promise<Tenant | undefined> {
    const rows = await this.db.query<Tenant>(
      `SELECT t.id, t.name
         FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [ApiKey.hash(key)],
    );
    return rows[0];
  }
}
