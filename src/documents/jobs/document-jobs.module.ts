import { Module } from '@nestjs/common';
import { CurrentDocument } from './current-document';
import { DocumentJobsRepository } from './document-jobs.repository';
// pattern:queue:begin
import { ExportDocumentJob } from './export-document.job';
// pattern:queue:end
import { IndexDocumentJob } from './index-document.job';

/** The document job processors: run by workers, and inline by the API when QUEUE is off. */
@Module({
  // pattern:queue:begin
  providers: [DocumentJobsRepository, CurrentDocument, IndexDocumentJob, ExportDocumentJob],
  exports: [DocumentJobsRepository, IndexDocumentJob, ExportDocumentJob],
  // pattern:queue:else
  // providers: [DocumentJobsRepository, CurrentDocument, IndexDocumentJob],
  // exports: [DocumentJobsRepository, IndexDocumentJob],
  // pattern:queue:end
})
export class DocumentJobsModule {}
