/**
 * What the app role may do, granted by `npm run migrate` as the owner: read and write rows of the
 * schema's tables (and views), nothing else. It owns nothing, so it can change no table, and
 * without CREATE on the schema (scripts/stack.sh, docker/postgres/primary-init.sh revoke it from
 * PUBLIC) it can create none. Default privileges give it the same rights on every table the
 * owner creates later, in the migration's own transaction; the grants on existing tables are
 * repeated on every run, so a database migrated before the app role existed catches up.
 */
import type { QueryRunner } from 'typeorm';

const quote = (role: string) => `"${role.replaceAll('"', '""')}"`;

/** The role a postgres:// URL logs in as. */
export function roleOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/** Before migrating: tables the coming migrations create are the app's to use at once. */
export async function grantDefaults(q: QueryRunner, appRole: string): Promise<void> {
  const app = quote(appRole);
  await q.query(
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`,
  );
  await q.query(
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app}`,
  );
}

/** After migrating: every existing table but the migrations' own bookkeeping. */
export async function grantExisting(q: QueryRunner, appRole: string): Promise<void> {
  const app = quote(appRole);
  await q.query(`GRANT USAGE ON SCHEMA public TO ${app}`);
  await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}`);
  await q.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app}`);
  await q.query(`REVOKE ALL ON migrations FROM ${app}`);
}

/** What is wrong with the app role's privileges, as advice (empty when nothing is). */
export async function appRoleProblems(q: QueryRunner, appRole: string): Promise<string[]> {
  const [row] = (await q.query(
    `SELECT r.rolsuper AS super, r.rolbypassrls AS bypass,
            has_schema_privilege(r.oid, 'public', 'CREATE') AS "createInSchema",
            has_database_privilege(r.oid, current_database(), 'CREATE') AS "createInDatabase",
            has_database_privilege(r.oid, current_database(), 'TEMP') AS temp,
            (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)::int AS owns
       FROM pg_roles r WHERE r.rolname = $1`,
    [appRole],
  )) as {
    super: boolean;
    bypass: boolean;
    createInSchema: boolean;
    createInDatabase: boolean;
    temp: boolean;
    owns: number;
  }[];
  if (!row) return [`the app role "${appRole}" does not exist: create it (scripts/stack.sh does)`];
  const problems: string[] = [];
  if (row.super || row.bypass)
    problems.push('it bypasses row-level security: ALTER ROLE ... NOSUPERUSER NOBYPASSRLS');
  if (row.createInSchema)
    problems.push('it can create tables: REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  if (row.createInDatabase)
    problems.push('it can create schemas: REVOKE CREATE ON DATABASE ... FROM it');
  if (row.temp)
    problems.push('it can create temporary tables: REVOKE TEMPORARY ON DATABASE ... FROM PUBLIC');
  if (row.owns > 0)
    problems.push(`it owns ${row.owns} relations: ALTER ... OWNER TO the owner role`);
  return problems.map((p) => `the app role "${appRole}": ${p}`);
}
