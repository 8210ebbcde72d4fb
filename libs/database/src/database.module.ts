import { Global, Module } from '@nestjs/common';
import { Database } from './database';
import { ConfigurableDatabaseModule } from './database.module-definition';

@Global()
@Module({ providers: [Database], exports: [Database] })
export class DatabaseModule extends ConfigurableDatabaseModule {}
