/**
 * The database lib's configuration keys (docs: libs/database/README.md) and the one mapping from
 * them to DatabaseOptions. The defaults live in the shape; the options carry no defaults of their
 * own for these keys.
 */
import {
  commaList,
  configFragment,
  nonNegativeInt,
  onOff,
  positiveInt,
  postgresUrl,
  type FragmentEnv,
} from '@docscale/pattern-kit';
import { z } from 'zod';
import type { DatabaseOptions } from './database.options';

const LOCAL_TOKEN_SECRET = 'local-consistency-secret-change-me';

export const databaseConfig = configFragment({
  shape: {
    // The API and the worker connect as the app role, which owns nothing and cannot run DDL;
    // only `npm run migrate` uses the owner's URL (docs/patterns/least-privilege.md).
    DATABASE_PRIMARY_URL: postgresUrl.default(
      'postgres://docscale_app:docscale_app@127.0.0.1:55432/docscale',
    ),
    DATABASE_REPLICA_URLS: commaList(
      postgresUrl,
      'postgres://docscale_app:docscale_app@127.0.0.1:55433/docscale',
    ),
    DATABASE_OWNER_URL: postgresUrl.default(
      'postgres://docscale:docscale@127.0.0.1:55432/docscale',
    ),
    // Row-level security's tenant setting on every tenant statement (off: for a role it does not
    // apply to, e.g. the bench's comparison as the owner).
    DATABASE_RLS: onOff.default(true),
    DATABASE_POOL_SIZE: positiveInt.default(10),
    DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(5000),
    DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(3000),
    READ_CONSISTENCY: z.enum(['token', 'window', 'none']).default('token'),
    READ_WINDOW_MS: nonNegativeInt.default(2000),
    REPLICA_SELECTION: z.enum(['round-robin', 'least-lag']).default('round-robin'),
    REPLICA_MAX_LAG_MS: positiveInt.default(5000),
    REPLICA_LAG_POLL_MS: positiveInt.default(100),
    CONSISTENCY_TOKEN_SECRET: z.string().min(16).default(LOCAL_TOKEN_SECRET),
    // A rotation's old secrets, comma-separated: tokens they signed are still accepted.
    CONSISTENCY_TOKEN_PREVIOUS_SECRETS: commaList(z.string().min(16), ''),
    CONSISTENCY_TOKEN_TTL_MS: positiveInt.default(600_000),
    // Toggle: reads on replicas (its start value; the toggles lib flips it at run time).
    READ_REPLICAS: onOff.default(true),
  },
  check: (c, { production }) => {
    // An expired token is ignored: safe only once every replica in rotation (at most
    // REPLICA_MAX_LAG_MS behind, measured every REPLICA_LAG_POLL_MS) must have replayed its write,
    // and once the window mode's window is over.
    const tokenFloorMs = Math.max(c.REPLICA_MAX_LAG_MS + c.REPLICA_LAG_POLL_MS, c.READ_WINDOW_MS);
    return [
      c.CONSISTENCY_TOKEN_TTL_MS <= tokenFloorMs && {
        key: 'CONSISTENCY_TOKEN_TTL_MS',
        message: `must be more than REPLICA_MAX_LAG_MS + REPLICA_LAG_POLL_MS and READ_WINDOW_MS (${tokenFloorMs}): an expired token is ignored, and a replica in rotation may be that far behind`,
      },
      production &&
        c.CONSISTENCY_TOKEN_SECRET === LOCAL_TOKEN_SECRET && {
          key: 'CONSISTENCY_TOKEN_SECRET',
          message:
            'must be set to a secret of your own (shared by all instances) when NODE_ENV=production',
        },
    ];
  },
});

export type DatabaseEnv = FragmentEnv<typeof databaseConfig>;

/** What the app supplies that is not configuration: entities, ports to other patterns. */
export type DatabaseWiring = Pick<
  DatabaseOptions,
  | 'entities'
  | 'applicationName'
  | 'scopeSetting'
  | 'primaryCalls'
  | 'primaryUnavailable'
  | 'onReplicaRotation'
> & {
  /** The READ_REPLICAS toggle's current state. */
  replicasEnabled: () => boolean;
};

/** DatabaseOptions from the validated keys; `scopeSetting` applies only with DATABASE_RLS on. */
export function databaseOptionsFrom(env: DatabaseEnv, wiring: DatabaseWiring): DatabaseOptions {
  return {
    ...wiring,
    primaryUrl: env.DATABASE_PRIMARY_URL,
    replicaUrls: env.DATABASE_REPLICA_URLS,
    poolSize: env.DATABASE_POOL_SIZE,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    scopeSetting: env.DATABASE_RLS ? wiring.scopeSetting : undefined,
    tokenSecret: env.CONSISTENCY_TOKEN_SECRET,
    tokenPreviousSecrets: env.CONSISTENCY_TOKEN_PREVIOUS_SECRETS,
    tokenTtlMs: env.CONSISTENCY_TOKEN_TTL_MS,
    readConsistency: env.READ_CONSISTENCY,
    readWindowMs: env.READ_WINDOW_MS,
    replicaSelection: env.REPLICA_SELECTION,
    replicaMaxLagMs: env.REPLICA_MAX_LAG_MS,
    replicaLagPollMs: env.REPLICA_LAG_POLL_MS,
  };
}
