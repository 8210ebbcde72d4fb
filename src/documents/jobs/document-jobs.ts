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
  /** Export jobs: where the artifact can be downloaded. */
  artifact?: string;
}

export const INDEX_JOB = 'index';
export const EXPORT_JOB = 'export';

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
