import type { Pool } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { DatabaseOptions } from './database.options';

type PoolSettings = Pick<
  DatabaseOptions,
  'entities' | 'poolSize' | 'statementTimeoutMs' | 'connectTimeoutMs' | 'applicationName'
>;

/**
 * A TypeORM data source for one member (primary or replica) with its own pg pool. Schema changes
 * only ever come from migrations (`npm run migrate`): `synchronize` stays off everywhere.
 */
export function createDataSource(
  url: string,
  settings: PoolSettings,
  extra: Partial<DataSourceOptions> = {},
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: settings.entities,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: settings.poolSize ?? 10,
      connectionTimeoutMillis: settings.connectTimeoutMs ?? 3000,
      statement_timeout: settings.statementTimeoutMs ?? 5000,
      // Client-side backstop: statement_timeout is enforced by the server, so it cannot end a
      // query whose server (or network) has frozen; this fails it a second later.
      query_timeout: (settings.statementTimeoutMs ?? 5000) + 1000,
      application_name: settings.applicationName ?? 'docscale',
    },
    ...extra,
  } as DataSourceOptions);
}

/**
 * The pg pool behind an initialised data source. TypeORM (0.3 and 1.x alike) has no public getter
 * for it: its maintainers point at `driver.master` (typeorm/typeorm#2972), a field that 1.x kept
 * under that name. The hot paths query the pool directly (see Database.query), so the one reach
 * into TypeORM's internals lives here, typed structurally instead of through a deep import of
 * `typeorm/driver/postgres/PostgresDriver`, and database.spec.ts fails if a TypeORM release
 * renames it.
 */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
