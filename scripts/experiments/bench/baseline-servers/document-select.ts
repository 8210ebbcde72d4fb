/**
 * The primary-key select of docscale's hot read path (DocumentsRepository.find in
 * src/documents/documents.repository.ts), copied rather than imported so the baselines stay free
 * of the app. If that statement changes, change this one, or the pg baseline measures other work.
 */
const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const DOCUMENT_BY_ID = `SELECT id, title, body, tags, version,
  ${iso('created_at')} AS "createdAt", ${iso('updated_at')} AS "updatedAt"
  FROM documents WHERE tenant_id = $1 AND id = $2`;

/** An environment variable a baseline server cannot start without. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (baselines.ts passes it)`);
  return value;
}
