import { Module } from '@nestjs/common';
import { CurrentDocument } from './current-document';
import { DocumentJobsRepository } from './document-jobs.repository';
import { ExportDocumentJob } from './export-document.job';
import { IndexDocumentJob } from './index-document.job';

/** The document job processors: run by workers, and inline by the API when QUEUE is off. */
@Module({
  providers: [DocumentJobsRepository, CurrentDocument, IndexDocumentJob, ExportDocumentJob],
  exports: [DocumentJobsRepository, IndexDocumentJob, ExportDocumentJob],
})
export class DocumentJobsModule {}
