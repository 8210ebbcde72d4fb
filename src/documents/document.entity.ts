import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A tenant's document. The table is created by migrations/, never by `synchronize`; this entity
 * documents the columns and lets TypeORM tooling see them. The hot paths run reviewed SQL in
 * documents.repository.ts instead of hydrating entities (see docs/patterns/telemetry.md on cost).
 */
@Entity({ name: 'documents' })
export class DocumentEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  title!: string;

  @Column('text')
  body!: string;

  @Column('text', { array: true, default: () => `'{}'` })
  tags!: string[];

  /** Incremented by every update; the ETag and the optimistic-concurrency check use it. */
  @Column('integer', { default: 1 })
  version!: number;

  /** clock_timestamp(), not now(): rows inserted by one statement get distinct, ordered times. */
  @Column('timestamptz', { name: 'created_at', default: () => 'clock_timestamp()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'clock_timestamp()' })
  updatedAt!: Date;

  /** Derived search data, written by the indexing job (a later capability). */
  @Column('integer', { name: 'word_count', nullable: true })
  wordCount!: number | null;

  @Column('text', { array: true, nullable: true })
  keywords!: string[] | null;

  @Column('tsvector', { name: 'search_vector', nullable: true, select: false })
  searchVector!: string | null;

  @Column('integer', { name: 'indexed_version', nullable: true })
  indexedVersion!: number | null;
}
