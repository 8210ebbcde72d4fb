export { DatabaseModule } from './database.module';
export { Database, redact } from './database';
// pattern:read-replicas:begin
export type { ReplicaStatus } from './database';
// pattern:read-replicas:end
export { createDataSource } from './data-source.factory';
export { isDatabaseUnavailable, isMemberFailure, isTimeout } from './database-unavailable';
export type { CallPolicy, DatabaseOptions } from './database.options';
export { ReadRouting } from './read-routing';
export type { RoutedRows, ReadOptions } from './routed';
export { ConsistencyTokens, InvalidConsistencyTokenError } from './consistency-token';
export type { ConsistencyPoint } from './consistency-token';
// pattern:read-replicas:begin
export type { ReadConsistencyMode, ReplicaSelection, ReadReason } from './read-router';
export type { ReplicaState } from './replica-monitor';
// pattern:read-replicas:end
export { Lsn } from './lsn';
export { databaseConfig, databaseOptionsFrom } from './database.config';
export { databaseProblems } from './database.problems';
