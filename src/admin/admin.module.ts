import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module';
import { AdminKeyGuard } from './admin-key.guard';
import { ApiKeysController } from './api-keys.controller';
import { TogglesController } from './toggles.controller';

@Module({
  imports: [TenantsModule],
  controllers: [TogglesController, ApiKeysController],
  providers: [AdminKeyGuard],
})
export class AdminModule {}
