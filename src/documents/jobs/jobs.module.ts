import { Module } from '@nestjs/common';
import { DocumentJobsModule } from './document-jobs.module';
import { TenantsModule } from '../../tenants/tenants.module';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

@Module({
  imports: [TenantsModule, DocumentJobsModule],
  controllers: [JobsController],
  providers: [JobsService],
  exports: [JobsService],
})
export class JobsModule {}
