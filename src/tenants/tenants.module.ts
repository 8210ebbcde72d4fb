import { Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

@Module({
  providers: [TenantsRepository, TenantsService, ApiKeyGuard],
  exports: [TenantsService, ApiKeyGuard],
})
export class TenantsModule {}
