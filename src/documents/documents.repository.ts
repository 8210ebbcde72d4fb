/**
 * Documents in SQL you can review: each method is one statement, scoped by tenant in its WHERE
 * clause (another tenant's id simply matches no row) and, as defence in depth, by row-level
 * security: each statement carries the tenant as its scope, which the table's policy checks
 * again (docs/patterns/least-privilege.md). Rows come back as plain objects shaped for the API,
 * so the hot read path pays for no ORM hydration.
 */
import { Database, ReadRouting } from '@docscale/database';
// pattern:queue:begin
import { outboxInsert, type OutboxRequest } from '@docscale/queue';
// pattern:queue:end
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { DocumentPage, DocumentResponse, DocumentSummary } from './dto/document.response';
import { INDEX_JOB_DATA, indexJob } from './jobs/document-jobs'; // pattern:queue
import { Found, ReadContext, Written } from '../store/versioned-store';
import type { DocumentStore, DocumentQuery, ExpectedVersions } from './document-store';
import { PageCursor } from '../http/page-cursor';
import { quotaParams, quotaSettings, rethrowQuota, TenantQuota } from './tenant-quota';

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const SUMMARY = `id, title, tags, version,
  ${iso('created_at')} AS "createdAt", ${iso('updated_at')} AS "updatedAt"`;
const FULL = `id, title, body, tags, version,
  ${iso('created_at')} AS "createdAt", ${iso('updated_at')} AS "updatedAt"`;

/**
 * `statement` (an INSERT or UPDATE of one document `FROM quota`, `RETURNING documents.*`), with
 * `quota` handing the tenant's limits, parameters `quotaParams`, to the trigger that counts and
 * refuses (tenant-quota.ts). Answers the document written.
 */
function quotaChecked(statement: string, quotaParams: [string, string]): string {
  return `WITH quota AS (${quotaSettings(...quotaParams)}), doc AS (${statement})
    SELECT ${FULL} FROM doc`;
}

// pattern:queue:begin
/**
 * quotaChecked, and the request (parameter `requestParam`, an OutboxRequest) to index the version
 * the statement wrote, as an outbox row: one statement, so one transaction. Either both are
 * committed or neither (libs/queue, outbox-insert.ts). The job id is indexJob's, built in SQL
 * because the version is known only here.
 */
function withIndexRequest(
  statement: string,
  requestParam: string,
  quotaParams: [string, string],
): string {
  return `WITH quota AS (${quotaSettings(...quotaParams)}),
    doc AS (${statement}),
    requested AS (${outboxInsert(indexJob, 'doc', INDEX_JOB_DATA, requestParam)})
    SELECT ${FULL} FROM doc`;
}
// pattern:queue:end

const INSERT_DOCUMENT = `INSERT INTO documents (tenant_id, title, body, tags)
  SELECT $1::uuid, $2::text, $3::text, $4::text[] FROM quota RETURNING *`;
const UPDATE_DOCUMENT = `UPDATE documents
    SET title = COALESCE($3, title), body = COALESCE($4, body), tags = COALESCE($5, tags),
        version = version + 1, updated_at = clock_timestamp()
   FROM quota
  WHERE tenant_id = $1 AND id = $2 AND ($6::int[] IS NULL OR version = ANY($6::int[]))
  RETURNING documents.*`;

const CREATE = quotaChecked(INSERT_DOCUMENT, ['$5', '$6']);
const UPDATE = quotaChecked(UPDATE_DOCUMENT, ['$7', '$8']);
// pattern:queue:begin
const CREATE_WITH_INDEX_REQUEST = withIndexRequest(INSERT_DOCUMENT, '$7', ['$5', '$6']);
const UPDATE_WITH_INDEX_REQUEST = withIndexRequest(UPDATE_DOCUMENT, '$9', ['$7', '$8']);
// pattern:queue:end

export interface DocumentFields {
  title: string;
  body: string;
  tags: string[];
}

/**
 * The innermost documents store: SQL only. The patterns around it (indexing, the cache,
 * read-your-writes) are decorators registered in document-store.ts. `create` and `update` write
 * the document alone: its indexing is the caller's (indexed-documents.ts runs it after the
 * commit).
 */
// pattern:queue:begin
// Their `…WithIndexRequest` forms also write the request to index it to the outbox, in the same
// statement; the request is a required argument, so a write the outbox should carry cannot leave
// it out.
// pattern:queue:end
@Injectable()
export class DocumentsRepository implements DocumentStore {
  private readonly quota: TenantQuota;

  constructor(
    private readonly db: Database,
    private readonly reads: ReadRouting,
    @Inject(AppConfig) { env }: AppConfig,
  ) {
    this.quota = { documents: env.TENANT_QUOTA_DOCUMENTS, bytes: env.TENANT_QUOTA_BYTES };
  }

  /**
   * A replica serves it when one is in rotation and, given `read.after`, has replayed past it.
   * `read.positioned`: also learn the WAL position the row is at (for a cache fill), which costs
   * a primary read one more round trip.
   */
  async find(tenantId: string, id: string, read: ReadContext): Promise<Found<DocumentResponse>> {
    const { rows, atLsn } = await this.reads.read<DocumentResponse>(
      `SELECT ${FULL} FROM documents WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
      read.after,
      { positioned: read.positioned, scope: tenantId },
    );
    return { value: rows[0], atLsn };
  }

  /** QuotaExceededError when the tenant is at a quota: nothing is written. */
  async create(tenantId: string, fields: DocumentFields): Promise<Written<DocumentResponse>> {
    const [row] = await this.write(CREATE, this.createParams(tenantId, fields), tenantId);
    return { value: row };
  }

  // pattern:queue:begin
  /** `create`, also writing `index`, the request to index the new document, to the outbox. */
  async createWithIndexRequest(
    tenantId: string,
    fields: DocumentFields,
    index: OutboxRequest,
  ): Promise<Written<DocumentResponse>> {
    const params = [...this.createParams(tenantId, fields), index];
    const [row] = await this.write(CREATE_WITH_INDEX_REQUEST, params, tenantId);
    return { value: row };
  }
  // pattern:queue:end

  /**
   * Applies `fields` (absent ones unchanged) if the current version is one of `expected`; the
   * version check and the write are one statement, so two racing updates cannot both succeed.
   * Returns undefined when no row matched; `currentVersion` then tells why. QuotaExceededError
   * when the change would grow the tenant past its bytes quota.
   */
  async update(
    tenantId: string,
    id: string,
    fields: Partial<DocumentFields>,
    expected: ExpectedVersions,
  ): Promise<Written<DocumentResponse> | undefined> {
    const [row] = await this.write(
      UPDATE,
      this.updateParams(tenantId, id, fields, expected),
      tenantId,
    );
    return row && { value: row };
  }

  // pattern:queue:begin
  /** `update`, also writing `index`, the request to index the new version, to the outbox. */
  async updateWithIndexRequest(
    tenantId: string,
    id: string,
    fields: Partial<DocumentFields>,
    expected: ExpectedVersions,
    index: OutboxRequest,
  ): Promise<Written<DocumentResponse> | undefined> {
    const params = [...this.updateParams(tenantId, id, fields, expected), index];
    const [row] = await this.write(UPDATE_WITH_INDEX_REQUEST, params, tenantId);
    return row && { value: row };
  }
  // pattern:queue:end

  /** Deletes if the version matches; the deleted version, or undefined when no row matched. */
  async delete(
    tenantId: string,
    id: string,
    expected: ExpectedVersions,
  ): Promise<Written<number> | undefined> {
    const rows = await this.db.query<{ version: number }>(
      `DELETE FROM documents
        WHERE tenant_id = $1 AND id = $2 AND ($3::int[] IS NULL OR version = ANY($3::int[]))
        RETURNING version`,
      [tenantId, id, expected === 'any' ? null : expected],
      tenantId,
    );
    return rows[0] && { value: rows[0].version };
  }

  async currentVersion(tenantId: string, id: string): Promise<number | undefined> {
    const rows = await this.db.query<{ version: number }>(
      `SELECT version FROM documents WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
      tenantId,
    );
    return rows[0]?.version;
  }

  /**
   * Newest first, keyset-paginated on (created_at, id): stable while rows are inserted. `q`
   * matches the indexed words (web search syntax: `"a phrase"`, `or`, `-word`); a document
   * matches once its indexing job has run.
   */
  async list(tenantId: string, options: DocumentQuery, read: ReadContext): Promise<DocumentPage> {
    const { rows } = await this.reads.read<DocumentSummary>(
      `SELECT ${SUMMARY} FROM documents
        WHERE tenant_id = $1
          AND ($2::text IS NULL OR tags @> ARRAY[$2::text])
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
          AND ($6::text IS NULL OR search_vector @@ websearch_to_tsquery('english', $6::text))
        ORDER BY created_at DESC, id DESC
        LIMIT $5`,
      [
        tenantId,
        options.tag ?? null,
        options.after?.createdAt ?? null,
        options.after?.id ?? null,
        options.limit + 1,
        options.q ?? null,
      ],
      read.after,
      { scope: tenantId },
    );
    const items = rows.slice(0, options.limit);
    const last = items.at(-1);
    const nextCursor = rows.length > options.limit && last ? PageCursor.encode(last) : null;
    return { items, nextCursor };
  }

  /** A write under the tenant's scope; the quota trigger's refusal as a QuotaExceededError. */
  private write(sql: string, params: unknown[], tenantId: string): Promise<DocumentResponse[]> {
    return this.db.query<DocumentResponse>(sql, params, tenantId).catch(rethrowQuota);
  }

  /** CREATE's parameters ($1-$6). */
  private createParams(tenantId: string, fields: DocumentFields): unknown[] {
    return [tenantId, fields.title, fields.body, fields.tags, ...quotaParams(this.quota)];
  }

  /** UPDATE's parameters ($1-$8). */
  private updateParams(
    tenantId: string,
    id: string,
    fields: Partial<DocumentFields>,
    expected: ExpectedVersions,
  ): unknown[] {
    return [
      tenantId,
      id,
      fields.title ?? null,
      fields.body ?? null,
      fields.tags ?? null,
      expected === 'any' ? null : expected,
      ...quotaParams(this.quota),
    ];
  }
}
