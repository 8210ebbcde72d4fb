import { execFile } from 'node:child_process';
// pattern:read-replicas:begin
import { randomUUID } from 'node:crypto';
// pattern:read-replicas:end
import { join } from 'node:path';
import { promisify } from 'node:util';
// pattern:read-replicas:begin
import { Client } from 'pg';
// pattern:read-replicas:end
import { AppConfig } from '../../src/config';
// pattern:read-replicas:begin
import { pollUntil } from '../helpers/poll';
// pattern:read-replicas:end

const run = promisify(execFile);
const STACK = join(__dirname, '../../scripts/stack.sh');

/** The local stack the other suites stand on: idempotent, and a real streaming replica. */
describe('local stack', () => {
  const env = AppConfig.load().env;

  it('treats a second `up` as a no-op that prints the connection URLs', async () => {
    const { stdout } = await run('bash', [STACK, 'up']);
    expect(stdout).toContain(`DATABASE_PRIMARY_URL=${env.DATABASE_PRIMARY_URL}`);
    // pattern:read-replicas:begin
    expect(stdout).toContain(`DATABASE_REPLICA_URL=${env.DATABASE_REPLICA_URLS[0]}`);
    // pattern:read-replicas:end
    expect(stdout).toContain(`DATABASE_OWNER_URL=${env.DATABASE_OWNER_URL}`);
    expect(stdout).toContain(`REDIS_URL=${env.REDIS_URL}`);
  });

  it('reports every member up and the replica streaming, with exit code 0', async () => {
    const { stderr, stdout } = await run('bash', [STACK, 'status']);
    const text = stdout + stderr;
    expect(text).toMatch(/primary\s+up/);
    expect(text).toMatch(/replica\s+up.*streaming/);
    expect(text).toMatch(/redis\s+up/);
  });

  // pattern:read-replicas:begin
  it('replicates a write on the primary to the replica, which refuses writes', async () => {
    const primary = new Client({ connectionString: env.DATABASE_PRIMARY_URL });
    const replica = new Client({ connectionString: env.DATABASE_REPLICA_URLS[0] });
    await Promise.all([primary.connect(), replica.connect()]);
    try {
      const name = `stack-check-${randomUUID()}`;
      await primary.query('INSERT INTO tenants (name) VALUES ($1)', [name]);
      await pollUntil(
        async () =>
          (await replica.query('SELECT 1 FROM tenants WHERE name = $1', [name])).rowCount === 1,
        { timeoutMs: 5000, what: 'the row to reach the replica' },
      );
      await expect(replica.query('INSERT INTO tenants (name) VALUES ($1)', ['x'])).rejects.toThrow(
        /read-only transaction/,
      );
      await primary.query('DELETE FROM tenants WHERE name = $1', [name]);
    } finally {
      await Promise.all([primary.end(), replica.end()]);
    }
  });
  // pattern:read-replicas:end
});
