/**
 * The replica of docker/compose.yaml: a streaming replica of the primary built by docker/postgres/
 * (pg_basebackup, then a hot standby). Checked without a container engine, on the scripts' code
 * (comment lines removed) and the services' command lines. Goes with the read-replicas pattern
 * (the primary's own checks: compose-postgres.spec.ts).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { binds, postgresSettings, services, withoutComments } from './compose';
import { DOCKER } from './repo';

/**
 * Settings a hot standby must have at least as high as its primary, or it refuses to start
 * (PostgreSQL docs, "Hot Standby" administrator's overview), plus max_replication_slots, kept
 * equal so that a promoted replica serves the same replicas.
 */
const STANDBY_SENSITIVE = [
  'max_connections',
  'max_prepared_transactions',
  'max_locks_per_transaction',
  'max_wal_senders',
  'max_worker_processes',
  'max_replication_slots',
];

const entrypoint = withoutComments(
  readFileSync(join(DOCKER, 'postgres/replica-entrypoint.sh'), 'utf8'),
);

describe('docker/compose.yaml: the Postgres replica', () => {
  it('runs the replica as a real streaming replica of the primary', () => {
    const primary = postgresSettings(services.primary.command);
    expect(primary.wal_level).toBe('replica');
    expect(Number(primary.max_wal_senders)).toBeGreaterThan(0);
    const init = binds(services.primary).find((m) =>
      m.target.startsWith('/docker-entrypoint-initdb.d/'),
    );
    expect(init).toBeDefined();
    const initScript = withoutComments(readFileSync(resolve(DOCKER, init!.source), 'utf8'));
    expect(initScript).toMatch(/CREATE ROLE [^\n]* REPLICATION/);
    expect(initScript).toMatch(/host replication /);
    expect(services.replica.entrypoint).toEqual(['/usr/local/bin/replica-entrypoint.sh']);
    expect(entrypoint).toMatch(/pg_basebackup [^\n]*-R -X stream -S "\$SLOT"/);
    expect(entrypoint).toMatch(/"\$\{backup\[@\]\}" -C\b/);
    expect(entrypoint).toMatch(/^exec postgres [^\n]*-c hot_standby_feedback=on/m);
  });

  it("gives the standby the primary's standby-sensitive settings, which pg_basebackup does not copy", () => {
    // The entrypoint hands its arguments (the service's command) to postgres.
    expect(entrypoint).toMatch(/^exec postgres [^\n]*"\$@"$/m);
    const primary = postgresSettings(services.primary.command);
    const replica = postgresSettings(services.replica.command);
    const sensitive = (settings: Record<string, string>) =>
      STANDBY_SENSITIVE.filter((k) => k in settings).map((k) => [k, settings[k]]);
    expect(sensitive(primary).length).toBeGreaterThan(0);
    expect(sensitive(replica)).toEqual(sensitive(primary));
  });

  it('restarts a replica whose first start failed (the primary not ready for the base backup)', () => {
    expect(services.replica.restart).toBe('on-failure');
  });
});
