/**
 * Collections the Nest way: a TypeORM entity, its Repository and QueryBuilder, no SQL strings.
 * The database lib gives it what the raw documents repository has: reads go where ReadRouting
 * says (a replica, or the primary when the caller's consistency token needs it) through
 * `readWith`, writes run on the primary through `Database.transaction`, and both scope the
 * transaction to the tenant so row-level security applies (a forgotten WHERE finds nothing).
 * The price of the ORM: BEGIN, the scope and COMMIT around every call, and entity hydration;
 * the documents' hot read stays raw SQL (docs/patterns/read-your-writes.md).
 */
import { Database, ReadRouting } from '@docscale/database';
import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { PageCursor } from '../http/page-cursor';
import { ExpectedVersions, Found, ReadContext, Written } from '../store/versioned-store';
import { CollectionEntity } from './collection.entity';
import type { CollectionFields, CollectionQuery, CollectionStore } from './collection-store';
import type { CollectionPage, CollectionResponse } from './dto/collection.response';

@Injectable()
export class CollectionsRepository implements CollectionStore {
  constructor(
    private readonly db: Database,
    private readonly reads: ReadRouting,
  ) {}

  async find(tenantId: string, id: string, read: ReadContext): Promise<Found<CollectionResponse>> {
    const { value, atLsn } = await this.reads.readWith(
      read.after,
      (em) => em.findOneBy(CollectionEntity, { tenantId, id }),
      { positioned: read.positioned, scope: tenantId },
    );
    return { value: value ? toResponse(value) : undefined, atLsn };
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(tenantId: string, query: CollectionQuery, read: ReadContext): Promise<CollectionPage> {
    const { value: rows } = await this.reads.readWith(
      read.after,
      (em) => {
        const select = em
          .createQueryBuilder(CollectionEntity, 'c')
          .where('c.tenantId = :tenantId', { tenantId })
          .orderBy('c.createdAt', 'DESC')
          .addOrderBy('c.id', 'DESC')
          .limit(query.limit + 1);
        if (query.after) {
          select.andWhere('(c.createdAt, c.id) < (:createdAt, :id)', query.after);
        }
        return select.getMany();
      },
      { scope: tenantId },
    );
    const items = rows.slice(0, query.limit).map(toResponse);
    const last = items.at(-1);
    const more = rows.length > query.limit && last;
    return { items, nextCursor: more ? PageCursor.encode(position(last)) : null };
  }

  async create(tenantId: string, fields: CollectionFields): Promise<Written<CollectionResponse>> {
    const saved = await this.db.transaction(tenantId, (em) =>
      em.save(em.create(CollectionEntity, { tenantId, ...fields })),
    );
    return { value: toResponse(saved) };
  }

  /**
   * Applies `fields` if the current version is one of `expected`: the check and the change are
   * one UPDATE, so two racing updates cannot both succeed. Undefined when no row matched.
   */
  async update(
    tenantId: string,
    id: string,
    fields: Partial<CollectionFields>,
    expected: ExpectedVersions,
  ): Promise<Written<CollectionResponse> | undefined> {
    const updated = await this.db.transaction(tenantId, async (em) => {
      const { affected } = await em
        .createQueryBuilder()
        .update(CollectionEntity)
        .set({ ...fields, version: () => 'version + 1', updatedAt: () => 'clock_timestamp()' })
        .where(matching(tenantId, id, expected))
        .execute();
      return affected ? em.findOneByOrFail(CollectionEntity, { tenantId, id }) : undefined;
    });
    return updated && { value: toResponse(updated) };
  }

  /** The deleted version, or undefined when no row matched. */
  async delete(
    tenantId: string,
    id: string,
    expected: ExpectedVersions,
  ): Promise<Written<number> | undefined> {
    const { raw } = await this.db.transaction(tenantId, (em: EntityManager) =>
      em
        .createQueryBuilder()
        .delete()
        .from(CollectionEntity)
        .where(matching(tenantId, id, expected))
        .returning('version')
        .execute(),
    );
    const rows = raw as { version: number }[];
    return rows[0] && { value: rows[0].version };
  }

  async currentVersion(tenantId: string, id: string): Promise<number | undefined> {
    const row = await this.db.transaction(tenantId, (em) =>
      em.findOne(CollectionEntity, { where: { tenantId, id }, select: { version: true } }),
    );
    return row?.version;
  }
}

/** The row, if its version is one `expected` allows (an empty list allows none). */
function matching(tenantId: string, id: string, expected: ExpectedVersions) {
  return expected === 'any' ? { tenantId, id } : ({ tenantId, id, version: In(expected) } as const);
}

/** Plain JSON (strings for times): what the API returns is what the cache stores. */
function toResponse(e: CollectionEntity): CollectionResponse {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    version: e.version,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

/** The cursor's position: the time with microseconds (whole milliseconds, padded). */
function position(last: CollectionResponse) {
  return { createdAt: last.createdAt.replace(/Z$/, '000Z'), id: last.id };
}
