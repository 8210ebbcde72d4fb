import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config';
import { HealthModule } from './health/health.module';
import { InfrastructureModule } from './infrastructure.module';

/**
 * The worker role: the same infrastructure as the API, queue processors (added by the queue
 * capability) and health endpoints for its probes, but none of the API's routes.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [InfrastructureModule.forRoot(config), HealthModule] };
  }
}
