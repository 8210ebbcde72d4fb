import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The export artifacts the export job stores. Until the outbox's migration moved into the queue
 * lib, JobOutbox1764000000000 created this table too: a database that ran it has the table and
 * runs this one as pending (TypeORM runs pending migrations by name, whatever their timestamp),
 * so every statement here is one that leaves an existing table as it is.
 */
export class DocumentExports1764000000001 implements MigrationInterface {
  name = 'DocumentExports1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS document_exports (
        job_id text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        version integer NOT NULL,
        content_type text NOT NULL,
        content text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS document_exports_document ON document_exports (document_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE document_exports`);
  }
}
