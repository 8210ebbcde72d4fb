/**
 * The tenant quotas' side of a document write. The counting and the refusal happen in Postgres, in
 * the write's own transaction (a trigger on documents: migrations/1765233000000-tenant-usage.ts),
 * so two racing writes at the limit cannot both pass; here, the limits a statement hands the
 * trigger, and the trigger's refusal read back as a QuotaExceededError.
 */
import { QuotaExceededError } from './document.errors';

/** The SQLSTATE the trigger raises, its detail `{"quota", "limit", "usage"}` as JSON. */
const QUOTA_EXCEEDED = 'DSQ01';

export interface TenantQuota {
  documents: number;
  bytes: number;
}

/**
 * A CTE body setting the limits for the rest of the statement's transaction, from parameters
 * `documentsParam` and `bytesParam` (as text). The write must select from it (`FROM quota`): an
 * unreferenced CTE is never run, and the trigger would then see no limit.
 */
export function quotaSettings(documentsParam: string, bytesParam: string): string {
  return `SELECT set_config('docscale.quota_documents', ${documentsParam}, true) AS documents_limit,
                 set_config('docscale.quota_bytes', ${bytesParam}, true) AS bytes_limit`;
}

/** The statement parameters for `quotaSettings`. */
export function quotaParams(quota: TenantQuota): [string, string] {
  return [String(quota.documents), String(quota.bytes)];
}

/** Rethrows the trigger's refusal as a QuotaExceededError, anything else as it is. */
export function rethrowQuota(err: unknown): never {
  const { code, detail } = err as { code?: string; detail?: string };
  if (code !== QUOTA_EXCEEDED || !detail) throw err;
  const { quota, limit, usage } = JSON.parse(detail) as QuotaExceededError;
  throw new QuotaExceededError(quota, Number(limit), Number(usage));
}
