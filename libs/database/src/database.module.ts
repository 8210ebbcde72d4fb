import { Global, Module } from '@nestjs/common';
import { Database } from './database';
import { ReadRouting } from './read-routing';
import { ConfigurableDatabaseModule } from './database.module-definition';

@Global()
@Module({ providers: [Database, ReadRouting], exports: [Database, ReadRouting] })
export class DatabaseModule extends ConfigurableDatabaseModule {}
