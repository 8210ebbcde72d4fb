import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A tenant's collection, the way a Nest project adds an entity: a TypeORM entity read and written
 * through its Repository (collections.repository.ts). The table comes from migrations/.
 */
@Entity({ name: 'collections' })
export class CollectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  description!: string;

  /** Incremented by every update; the ETag and the optimistic-concurrency check use it. */
  @Column('integer', { default: 1 })
  version!: number;

  @Column('timestamptz', { name: 'created_at', default: () => 'clock_timestamp()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'clock_timestamp()' })
  updatedAt!: Date;
}
