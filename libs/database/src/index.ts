export { DatabaseModule } from './database.module';
export { Database, redact } from './database';
export type { ReplicaStatus } from './database';
export { createDataSource } from './data-source.factory';
export { isDatabaseUnavailable } from './database-unavailable';
export type { DatabaseOptions } from './database.options';
