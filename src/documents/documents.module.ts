import { Module } from '@nestjs/common';
import { JobsModule } from './jobs/jobs.module';
import { TenantsModule } from '../tenants/tenants.module';
import { DocumentsController } from './documents.controller';
import { documentStoreProvider } from './document-store';
import { DocumentsRepository } from './documents.repository';
import { DocumentsService } from './documents.service';
import { DocumentJobsModule } from './jobs/document-jobs.module';
import { ExportsController } from './jobs/exports.controller';
import { ExportsService } from './jobs/exports.service';
import { IndexReconciler } from './jobs/index-reconciler';
import { Indexing } from './jobs/indexing';

@Module({
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
})
export class DocumentsModule {}
