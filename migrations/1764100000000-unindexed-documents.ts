import { MigrationInterface, QueryRunner } from 'typeorm';

/** The index reconciler's sweep: documents not indexed at their version, oldest change first. */
export class UnindexedDocuments1764100000000 implements MigrationInterface {
  name = 'UnindexedDocuments1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX documents_unindexed ON documents (updated_at)
        WHERE indexed_version IS DISTINCT FROM version`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX documents_unindexed`);
  }
}
