/**
 * The jobs a document asks for, as data: their names, ids and payloads. An id is derived from the
 * work (document, version, format), so asking twice for the same work is one job. The outbox SQL
 * in documents.repository.ts builds index ids the same way.
 */
export interface DocumentJobData {
  tenantId: string;
  documentId: string;
  version: number;
}

/** What a document job did: `skipped` when the document moved on or is gone (never misapplied). */
export interface DocumentJobResult {
  outcome: 'applied' | 'skipped';
  reason?: string;
  // pattern:queue:begin
  /** Export jobs: where the artifact can be downloaded. */
  artifact?: string;
  // pattern:queue:end
}

export const INDEX_JOB = 'index';
// pattern:queue:begin
export const EXPORT_JOB = 'export';

/**
 * The columns of an index job's outbox row (`job_name, job_id, data`), selected from a relation
 * with the documents' columns: the job id as DocumentJobIds.index builds it, in SQL, for
 * statements that learn the version only as they run.
 */
export const INDEX_JOB_COLUMNS = `'${INDEX_JOB}' AS job_name,
  'index-' || id || '-v' || version AS job_id,
  jsonb_build_object('tenantId', tenant_id, 'documentId', id, 'version', version) AS data`;

export const DocumentJobIds = {
  index: (documentId: string, version: number) => `index-${documentId}-v${version}`,
  export: (documentId: string, version: number) => `export-${documentId}-v${version}-html`,
};

/** Fault flag FAULT_JOB_FAIL_TAG: jobs of documents carrying that tag fail (a poison job). */
export class InjectedJobFault extends Error {
  constructor(tag: string) {
    super(`fault injected: the document is tagged "${tag}" (FAULT_JOB_FAIL_TAG)`);
  }
}
// pattern:queue:end
