import { QueueModule } from '@docscale/queue';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config';
import { DocumentJobsModule } from './documents/jobs/document-jobs.module';
import { ExportDocumentJob } from './documents/jobs/export-document.job';
import { IndexDocumentJob } from './documents/jobs/index-document.job';
import { HealthModule } from './health/health.module';
import { InfrastructureModule } from './infrastructure.module';
import { queueOptions } from './documents/jobs/queue-options';

/**
 * The worker role: the same infrastructure as the API, the document job processors taking jobs
 * from the queue, and health endpoints for its probes; none of the API's routes.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        InfrastructureModule.forRoot(config),
        QueueModule.forRootAsync({
          imports: [DocumentJobsModule],
          inject: [IndexDocumentJob, ExportDocumentJob],
          useFactory: (index: IndexDocumentJob, exports: ExportDocumentJob) =>
            queueOptions(config, { processors: [index, exports] }),
        }),
        HealthModule,
      ],
    };
  }
}
