/**
 * Baseline: the app a Nest user would otherwise start from, in the shape of NestJS's own sample
 * `sample/05-sql-typeorm`: Nest on its default Express adapter, `TypeOrmModule.forRoot` +
 * `forFeature` with an entity mapped onto docscale's documents table, a service calling
 * `repository.findOneBy(...)` and a controller whose `@Get(':id')` returns the entity. It reads
 * the same database docscale's reads go to (BENCH_DATABASE_URL), for the tenant of the run
 * (BENCH_TENANT_ID: the sample has no auth). Two departures from the sample, both so it can run
 * against docscale's schema: `synchronize` is off (the sample's `true` would rewrite the table)
 * and the id is checked with ParseUUIDPipe where the sample parses an integer id.
 */
import {
  Controller,
  Get,
  Injectable,
  Module,
  NotFoundException,
  Param,
  ParseUUIDPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { Column, Entity, PrimaryColumn, Repository } from 'typeorm';
import { required } from './document-select';

// The sample's own entity, not src/documents/document.entity.ts: that one maps every column
// (search data, keywords, word count), so findOneBy would read more than the columns docscale's
// read answers with, and the baseline would import the app it is measured against.
@Entity({ name: 'documents' })
class Document {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  title!: string;

  @Column('text')
  body!: string;

  @Column('text', { array: true })
  tags!: string[];

  @Column('integer')
  version!: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}

@Injectable()
class DocumentsService {
  private readonly tenantId = required('BENCH_TENANT_ID');

  constructor(@InjectRepository(Document) private readonly documents: Repository<Document>) {}

  findOne(id: string): Promise<Document | null> {
    return this.documents.findOneBy({ tenantId: this.tenantId, id });
  }
}

@Controller('v1/documents')
class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get(':id')
  async findOne(@Param('id', ParseUUIDPipe) id: string): Promise<Document> {
    const document = await this.documents.findOne(id);
    if (!document) throw new NotFoundException();
    return document;
  }
}

/** What server.ts waits for before measuring; not part of the sample. */
@Controller('health')
class HealthController {
  @Get('ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({
  imports: [TypeOrmModule.forFeature([Document])],
  providers: [DocumentsService],
  controllers: [DocumentsController],
})
class DocumentsModule {}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: required('BENCH_DATABASE_URL'),
      autoLoadEntities: true,
      synchronize: false,
    }),
    DocumentsModule,
  ],
  controllers: [HealthController],
})
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(Number(required('PORT')), '127.0.0.1');
}

main().catch((err: Error) => {
  console.error(`nest-typeorm-sample baseline: ${err.message}`);
  process.exit(1);
});
