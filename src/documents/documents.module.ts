import { Module } from '@nestjs/common';
// pattern:queue:begin
import { JobsModule } from './jobs/jobs.module';
// pattern:queue:end
import { TenantsModule } from '../tenants/tenants.module';
import { DocumentsController } from './documents.controller';
import { documentStoreProvider } from './document-store';
import { DocumentsRepository } from './documents.repository';
import { DocumentsService } from './documents.service';
import { DocumentJobsModule } from './jobs/document-jobs.module';
// pattern:queue:begin
import { ExportsController } from './jobs/exports.controller';
import { ExportsService } from './jobs/exports.service';
import { IndexReconciler } from './jobs/index-reconciler';
// pattern:queue:end
import { Indexing } from './jobs/indexing';

@Module({
  // pattern:queue:begin
  imports: [TenantsModule, DocumentJobsModule, JobsModule],
  controllers: [DocumentsController, ExportsController],
  providers: [
    DocumentsService,
    DocumentsRepository,
    documentStoreProvider,
    Indexing,
    ExportsService,
    IndexReconciler,
  ],
  // pattern:queue:else
  // imports: [TenantsModule, DocumentJobsModule],
  // controllers: [DocumentsController],
  // providers: [DocumentsService, DocumentsRepository, documentStoreProvider, Indexing],
  // pattern:queue:end
})
export class DocumentsModule {}
