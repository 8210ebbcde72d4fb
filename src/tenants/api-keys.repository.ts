/**
 * The API key lifecycle's SQL: create, list, revoke, rotate, and the coarse last-used record.
 * One statement each, so every change is atomic without a transaction to hold open. The admin API
 * runs them on the primary through the database lib; `npm run key` through a plain pg client
 * (scripts/api-keys.ts): both hand in `RunSql`, so the SQL lives here once.
 */
import type { QueryResultRow } from 'pg';
import { ApiKey } from './api-key';

/** Runs one statement on the primary and returns its rows. */
export type RunSql = <T extends QueryResultRow>(sql: string, params: unknown[]) => Promise<T[]>;

/** `active` until revoked; `expiring` once rotated, until `expiresAt`; then `expired`. */
export type ApiKeyState = 'active' | 'expiring' | 'expired' | 'revoked';

/** What is shown of a key: never the key, never its digest. */
export interface ApiKeyInfo {
  id: string;
  prefix: string;
  state: ApiKeyState;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** A key just made: `key` is shown this once, only its digest is stored. */
export interface IssuedApiKey {
  key: string;
  info: ApiKeyInfo;
}

const INFO = `k.id, k.prefix, k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt",
       k.expires_at AS "expiresAt", k.revoked_at AS "revokedAt",
       CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
            WHEN k.expires_at IS NULL THEN 'active'
            WHEN k.expires_at > now() THEN 'expiring'
            ELSE 'expired' END AS state`;

const CREATE = `INSERT INTO api_keys AS k (tenant_id, key_hash, prefix)
                SELECT t.id, $2, $3 FROM tenants t WHERE t.name = $1
                RETURNING ${INFO}`;

// The tenant row comes back even without keys: an empty list is not an unknown tenant.
const LIST = `SELECT ${INFO}
                FROM tenants t LEFT JOIN api_keys k ON k.tenant_id = t.id
               WHERE t.name = $1
               ORDER BY k.created_at, k.id`;

// Idempotent: revoking a revoked key keeps its first revocation time and still answers the row.
const REVOKE = `UPDATE api_keys k SET revoked_at = coalesce(k.revoked_at, now())
                  FROM tenants t
                 WHERE t.id = k.tenant_id AND t.name = $1 AND k.id = $2
                RETURNING ${INFO}`;

// The old key's end: now + overlap, or sooner if it was already due to end (a second rotation
// never extends the first). Only a key still working can be rotated; the new key is inserted in
// the same statement, so there is never a moment with both or neither being wrong.
const ROTATE = `WITH old AS (
                  UPDATE api_keys k
                     SET expires_at = least(coalesce(k.expires_at, 'infinity'),
                                            now() + make_interval(secs => $3))
                    FROM tenants t
                   WHERE t.id = k.tenant_id AND t.name = $1 AND k.id = $2
                     AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
                  RETURNING k.tenant_id, k.expires_at)
                INSERT INTO api_keys AS k (tenant_id, key_hash, prefix)
                SELECT tenant_id, $4, $5 FROM old
                RETURNING ${INFO}, (SELECT expires_at FROM old) AS "oldExpiresAt"`;

const KEY_STATE = `SELECT ${INFO} FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
                    WHERE t.name = $1 AND k.id = $2`;

// Batched: one statement per flush however many keys were used; never moves a time backwards.
const RECORD_USE = `UPDATE api_keys k SET last_used_at = greatest(k.last_used_at, u.at)
                      FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
                     WHERE k.id = u.id`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type RotateOutcome =
  | { kind: 'rotated'; issued: IssuedApiKey; oldExpiresAt: Date }
  | { kind: 'not-found' }
  /** The key exists but no longer works (revoked or expired): there is nothing to rotate. */
  | { kind: 'not-active'; info: ApiKeyInfo };

export class ApiKeysRepository {
  constructor(private readonly sql: RunSql) {}

  /** A new key for the tenant named `tenant`; undefined when there is no such tenant. */
  async create(tenant: string): Promise<IssuedApiKey | undefined> {
    const key = ApiKey.generate();
    const [row] = await this.sql<ApiKeyInfo>(CREATE, [tenant, ...digestAndPrefix(key)]);
    return row && { key, info: row };
  }

  /** The tenant's keys, oldest first; undefined when there is no such tenant. */
  async list(tenant: string): Promise<ApiKeyInfo[] | undefined> {
    const rows = await this.sql<ApiKeyInfo>(LIST, [tenant]);
    if (rows.length === 0) return undefined;
    return rows.filter((r) => r.id !== null);
  }

  /** Revokes the key (idempotently); undefined when the tenant has no such key. */
  async revoke(tenant: string, id: string): Promise<ApiKeyInfo | undefined> {
    if (!UUID.test(id)) return undefined;
    return (await this.sql<ApiKeyInfo>(REVOKE, [tenant, id]))[0];
  }

  /** A new key for the tenant; the old one keeps working for `overlapSeconds` more, then stops. */
  async rotate(tenant: string, id: string, overlapSeconds: number): Promise<RotateOutcome> {
    if (!UUID.test(id)) return { kind: 'not-found' };
    const key = ApiKey.generate();
    const params = [tenant, id, overlapSeconds, ...digestAndPrefix(key)];
    const [row] = await this.sql<ApiKeyInfo & { oldExpiresAt: Date }>(ROTATE, params);
    if (row) {
      const { oldExpiresAt, ...info } = row;
      return { kind: 'rotated', issued: { key, info }, oldExpiresAt };
    }
    const [existing] = await this.sql<ApiKeyInfo>(KEY_STATE, [tenant, id]);
    return existing ? { kind: 'not-active', info: existing } : { kind: 'not-found' };
  }

  /** Records when each key was last used (`uses`: key id → time). */
  async recordUse(uses: ReadonlyMap<string, Date>): Promise<void> {
    if (uses.size === 0) return;
    await this.sql(RECORD_USE, [[...uses.keys()], [...uses.values()]]);
  }
}

function digestAndPrefix(key: string): [Buffer, string] {
  return [ApiKey.hash(key), ApiKey.displayPrefix(key)];
}
