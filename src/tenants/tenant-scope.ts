/**
 * Row-level security's tenant: the transaction-local setting the policies read
 * (migrations/1765300000000-row-level-security.ts compares each row's tenant_id with it), set to
 * each statement's scope by the database lib (libs/database, scoped-query.ts). The repositories
 * pass the tenant as the scope; DATABASE_RLS=off stops setting it.
 */
import { Database } from '@docscale/database';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config';

export const TENANT_SETTING = 'docscale.tenant_id';

/**
 * At start, checks DATABASE_RLS against the role the process connects as: with it off, a role the
 * policies apply to would find no row at all, so the process refuses to start; with it on, a role
 * they do not apply to (the owner, a superuser) is reported, since isolation then rests on the
 * WHERE clauses alone.
 */
@Injectable()
export class RowSecurityCheck implements OnApplicationBootstrap {
  private readonly log = new Logger('RowSecurity');
  private readonly on: boolean;

  constructor(
    private readonly db: Database,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.on = config.env.DATABASE_RLS;
  }

  async onApplicationBootstrap(): Promise<void> {
    let role: string, active: boolean;
    try {
      [{ role, active }] = await this.db.query<{ role: string; active: boolean }>(
        `SELECT current_user AS role, row_security_active('documents') AS active`,
      );
    } catch (err) {
      // Not migrated yet, or the primary went away since the pools connected: nothing to check.
      this.log.warn(`cannot check row-level security: ${(err as Error).message}`);
      return;
    }
    if (!this.on && active) {
      throw new Error(
        `DATABASE_RLS=off, but row-level security applies to "${role}" on documents: every read would find nothing. Set DATABASE_RLS=on, or connect as a role it does not apply to (docs/patterns/least-privilege.md)`,
      );
    }
    if (this.on && !active) {
      this.log.warn(
        `row-level security does not apply to "${role}" (the owner, a superuser or BYPASSRLS): tenants are kept apart by WHERE clauses only; connect as the app role (docs/patterns/least-privilege.md)`,
      );
    }
  }
}
