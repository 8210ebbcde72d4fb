/**
 * The jobs a document asks for, as data: their names, ids and payloads. An id is derived from the
 * work (document, version, format), so asking twice for the same work is one job. An index job's
 * id is built by `indexJob` only, in TypeScript and, for the outbox rows a write requests, in SQL.
 */
import { OutboxJob } from '@docscale/queue';

export interface DocumentJobData {
  tenantId: string;
  documentId: string;
  version: number;
}

/** What a document job did: `skipped` when the document moved on or is gone (never misapplied). */
export interface DocumentJobResult {
  outcome: 'applied' | 'skipped';
  reason?: string;
  /** Export jobs: where the artifact can be downloaded. */
  artifact?: string;
}

export const INDEX_JOB = 'index';
export const EXPORT_JOB = 'export';

/** The index job of a document version; its id is built here only (in TS and in SQL). */
export const indexJob = new OutboxJob(INDEX_JOB, 'index-{documentId}-v{version}');

/** An index job's data (DocumentJobData) from the documents' columns, for outbox rows in SQL. */
export const INDEX_JOB_DATA = { tenantId: 'tenant_id', documentId: 'id', version: 'version' };

/**
 * The columns of an index job's outbox row (`job_name, job_id, data`), selected from a relation
 * with the documents' columns, for statements that learn the version only as they run.
 */
export const INDEX_JOB_COLUMNS = indexJob.columns(INDEX_JOB_DATA);

export const DocumentJobIds = {
  index: (documentId: string, version: number) => indexJob.id({ documentId, version }),
  export: (documentId: string, version: number) => `export-${documentId}-v${version}-html`,
};

/** Fault flag FAULT_JOB_FAIL_TAG: jobs of documents carrying that tag fail (a poison job). */
export class InjectedJobFault extends Error {
  constructor(tag: string) {
    super(`fault injected: the document is tagged "${tag}" (FAULT_JOB_FAIL_TAG)`);
  }
}
