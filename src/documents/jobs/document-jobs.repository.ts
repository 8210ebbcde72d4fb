/**
 * The SQL of the document jobs. Every statement reads and writes the primary: a job acts on the
 * current version, which a lagging replica may not show yet. Each is scoped to the job's tenant,
 * for row-level security (documents.repository.ts).
 */
import { Database } from '@docscale/database';
import { Injectable } from '@nestjs/common';

export interface JobSource {
  title: string;
  body: string;
  tags: string[];
  version: number;
  indexedVersion: number | null;
}

/**
 * Postgres refuses a tsvector over 1 MB. `left()` counts characters, up to 4 bytes each in UTF-8:
 * 100 000 of them stay well within the limit even as distinct two-letter words.
 */
const INDEXED_BODY_CHARS = 100_000;

@Injectable()
export class DocumentJobsRepository {
  constructor(private readonly db: Database) {}

  async findSource(tenantId: string, id: string): Promise<JobSource | undefined> {
    const [row] = await this.db.query<JobSource>(
      `SELECT title, body, tags, version, indexed_version AS "indexedVersion"
         FROM documents WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
      tenantId,
    );
    return row;
  }

  /**
   * Stores the search data of `version`, only if the document is still at that version and not
   * yet indexed at it: a job that lost a race with an update, or runs twice, changes nothing.
   * True when this call applied it.
   */
  async saveIndex(
    tenantId: string,
    id: string,
    version: number,
    analysis: { wordCount: number; keywords: string[] },
  ): Promise<boolean> {
    const { rowCount } = await this.db.execute(
      `UPDATE documents
          SET word_count = $4, keywords = $5, indexed_version = $3,
              search_vector = setweight(to_tsvector('english', title), 'A')
                           || setweight(to_tsvector('english', left(body, ${INDEXED_BODY_CHARS})), 'B')
        WHERE tenant_id = $1 AND id = $2 AND version = $3
          AND (indexed_version IS NULL OR indexed_version < $3)`,
      [tenantId, id, version, analysis.wordCount, analysis.keywords],
      tenantId,
    );
    return rowCount === 1;
  }

  // pattern:queue:begin
  /**
   * Stores an export's artifact (storing it again, the job ran twice, replaces it) and applies the
   * retention: the document keeps this artifact and its `keep - 1` newest others (by version), the
   * rest are deleted in the same statement. The statement's snapshot does not show the row it
   * inserts, hence "others": the new artifact is kept whatever its place.
   */
  async saveExport(
    jobId: string,
    source: { tenantId: string; documentId: string; version: number },
    artifact: { contentType: string; content: string },
    keep: number,
  ): Promise<void> {
    await this.db.query(
      `WITH saved AS (
         INSERT INTO document_exports (job_id, tenant_id, document_id, version, content_type, content)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (job_id) DO UPDATE
           SET content_type = EXCLUDED.content_type, content = EXCLUDED.content,
               created_at = clock_timestamp())
       DELETE FROM document_exports
        WHERE tenant_id = $2 AND document_id = $3 AND job_id <> $1
          AND job_id NOT IN (
            SELECT job_id FROM document_exports
             WHERE tenant_id = $2 AND document_id = $3 AND job_id <> $1
             ORDER BY version DESC, created_at DESC
             LIMIT $7::int - 1)`,
      [
        jobId,
        source.tenantId,
        source.documentId,
        source.version,
        artifact.contentType,
        artifact.content,
        keep,
      ],
      source.tenantId,
    );
  }

  /** What a job's status needs of its artifact: the document and version it renders, and when. */
  async findExportInfo(
    tenantId: string,
    jobId: string,
  ): Promise<{ documentId: string; version: number; createdAt: Date } | undefined> {
    const [row] = await this.db.query<{ documentId: string; version: number; createdAt: Date }>(
      `SELECT document_id AS "documentId", version, created_at AS "createdAt"
         FROM document_exports WHERE tenant_id = $1 AND job_id = $2`,
      [tenantId, jobId],
      tenantId,
    );
    return row;
  }

  /** The artifact itself, for its download. */
  async findExport(
    tenantId: string,
    jobId: string,
  ): Promise<{ contentType: string; content: string } | undefined> {
    const [row] = await this.db.query<{ contentType: string; content: string }>(
      `SELECT content_type AS "contentType", content
         FROM document_exports WHERE tenant_id = $1 AND job_id = $2`,
      [tenantId, jobId],
      tenantId,
    );
    return row;
  }
  // pattern:queue:end
}
