import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-tenant document quotas (count and bytes), and the index export retention deletes by.
 *
 * Problem: a quota check that counts and then writes lets two concurrent creates at the limit
 * both pass. Mechanism: a counter row per tenant (`tenant_usage`), kept by a trigger on documents
 * in the same transaction as the write. The trigger's upsert takes the row's lock and, in READ
 * COMMITTED, re-reads it after any concurrent writer committed, so it sees every committed change
 * and the second of two racing creates finds the first one counted and is refused: its statement
 * (document, outbox row, counter) rolls back as one. The trigger knows the old and new row of an
 * update (a statement's RETURNING does not, before Postgres 18), so a replace or patch is charged
 * exactly what it grows; a delete frees what the row held; a tenant's documents deleted with it
 * (ON DELETE CASCADE) cost nothing. The limits come from the writing statement
 * (`set_config('docscale.quota_*', …, true)`, documents.repository.ts); a write that sets none (a
 * seed script, psql) is counted but not limited; a tenant's row can carry limits of its own
 * (`documents_limit`, `bytes_limit`, set by an operator), which win over them. Only growth is refused: shrinking or deleting is
 * always allowed, also over a lowered limit.
 * Cost: every document write also updates one row per tenant, and a tenant's concurrent writes
 * queue on it for the tail of their statements (not across tenants).
 * SECURITY DEFINER: the API's role (least privilege) need not write `tenant_usage` itself.
 */
export class TenantUsage1765233000000 implements MigrationInterface {
  name = 'TenantUsage1765233000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_usage (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        documents bigint NOT NULL DEFAULT 0,
        bytes bigint NOT NULL DEFAULT 0,
        -- A tenant's own limits, set by an operator (SQL); NULL: the configured defaults.
        documents_limit bigint CHECK (documents_limit >= 0),
        bytes_limit bigint CHECK (bytes_limit >= 0)
      )`);
    // What a document costs of the bytes quota: its title, body and tags, as UTF-8.
    await q.query(`
      CREATE FUNCTION document_bytes(title text, body text, tags text[]) RETURNS bigint
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN octet_length(title)::bigint + octet_length(body)
               + coalesce(octet_length(array_to_string(tags, '')), 0)`);
    await q.query(`
      CREATE FUNCTION account_document_usage() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
      DECLARE
        tenant uuid;
        added_documents bigint;
        added_bytes bigint;
        used record;
        max_documents bigint := nullif(current_setting('docscale.quota_documents', true), '')::bigint;
        max_bytes bigint := nullif(current_setting('docscale.quota_bytes', true), '')::bigint;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          tenant := NEW.tenant_id;
          added_documents := 1;
          added_bytes := document_bytes(NEW.title, NEW.body, NEW.tags);
        ELSIF TG_OP = 'DELETE' THEN
          tenant := OLD.tenant_id;
          added_documents := -1;
          added_bytes := -document_bytes(OLD.title, OLD.body, OLD.tags);
        ELSE
          tenant := NEW.tenant_id;
          added_documents := 0;
          added_bytes := document_bytes(NEW.title, NEW.body, NEW.tags)
                       - document_bytes(OLD.title, OLD.body, OLD.tags);
        END IF;
        IF added_documents = 0 AND added_bytes = 0 THEN
          RETURN NULL; -- a change of the same size: no write, no wait on the counter row
        END IF;
        IF added_documents <= 0 AND added_bytes <= 0 THEN
          -- Frees quota: never inserts (a tenant's cascade delete may have removed its row first).
          UPDATE tenant_usage
             SET documents = documents + added_documents, bytes = bytes + added_bytes
           WHERE tenant_id = tenant;
          RETURN NULL;
        END IF;
        INSERT INTO tenant_usage AS u (tenant_id, documents, bytes)
        VALUES (tenant, added_documents, added_bytes)
        ON CONFLICT (tenant_id) DO UPDATE
          SET documents = u.documents + EXCLUDED.documents, bytes = u.bytes + EXCLUDED.bytes
        RETURNING u.documents, u.bytes, u.documents_limit, u.bytes_limit INTO used;
        max_documents := coalesce(used.documents_limit, max_documents);
        max_bytes := coalesce(used.bytes_limit, max_bytes);
        IF added_documents > 0 AND used.documents > max_documents THEN
          RAISE EXCEPTION 'tenant quota exceeded: documents' USING ERRCODE = 'DSQ01',
            DETAIL = json_build_object('quota', 'documents', 'limit', max_documents,
                                       'usage', used.documents - added_documents)::text;
        END IF;
        IF added_bytes > 0 AND used.bytes > max_bytes THEN
          RAISE EXCEPTION 'tenant quota exceeded: bytes' USING ERRCODE = 'DSQ01',
            DETAIL = json_build_object('quota', 'bytes', 'limit', max_bytes,
                                       'usage', used.bytes - added_bytes)::text;
        END IF;
        RETURN NULL;
      END $$`);
    // Writers wait while the counters are filled in, so none is counted twice or missed.
    await q.query(`LOCK TABLE documents IN SHARE MODE`);
    await q.query(`
      CREATE TRIGGER documents_usage
        AFTER INSERT OR DELETE OR UPDATE OF title, body, tags ON documents
        FOR EACH ROW EXECUTE FUNCTION account_document_usage()`);
    await q.query(`
      INSERT INTO tenant_usage (tenant_id, documents, bytes)
      SELECT tenant_id, count(*), sum(document_bytes(title, body, tags))
        FROM documents GROUP BY tenant_id`);
    // Export retention keeps each document's newest artifacts (export-document.job.ts).
    await q.query(`DROP INDEX document_exports_document`);
    await q.query(
      `CREATE INDEX document_exports_document ON document_exports (document_id, version DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX document_exports_document`);
    await q.query(`CREATE INDEX document_exports_document ON document_exports (document_id)`);
    await q.query(`DROP TRIGGER documents_usage ON documents`);
    await q.query(`DROP FUNCTION account_document_usage()`);
    await q.query(`DROP FUNCTION document_bytes(text, text, text[])`);
    await q.query(`DROP TABLE tenant_usage`);
  }
}
