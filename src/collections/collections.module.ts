import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module';
import { collectionStoreProvider } from './collection-store';
import { CollectionsController } from './collections.controller';
import { CollectionsRepository } from './collections.repository';
import { CollectionsService } from './collections.service';

@Module({
  imports: [TenantsModule],
  controllers: [CollectionsController],
  providers: [CollectionsService, CollectionsRepository, collectionStoreProvider],
})
export class CollectionsModule {}
