import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { AppConfig } from './config';
import { DocumentsModule } from './documents/documents.module';
import { HealthModule } from './health/health.module';
import { InfrastructureModule } from './infrastructure.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [InfrastructureModule.forRoot(config), DocumentsModule, AdminModule, HealthModule],
    };
  }
}
