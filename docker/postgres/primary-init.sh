#!/usr/bin/env bash
# Runs once, when the official postgres image initialises an empty data directory
# (/docker-entrypoint-initdb.d): the role the replica streams WAL as, and the pg_hba.conf line
# that lets it in; and the app role the API and workers connect as. The replication slot is
# created by the replica itself (pg_basebackup -C), so a rebuilt replica and its slot always come
# together. Settings (wal_level, max_wal_senders, ...) are the primary's command in
# docker/compose.yaml; the standby-sensitive ones are repeated in the replica's command there
# (pg_basebackup copies config files, not a command line).
#
# Two roles for docscale (docs/patterns/least-privilege.md): POSTGRES_USER owns the database and
# runs migrations, which grant the app role its table rights (scripts/app-role.ts); the app role
# owns nothing and may create nothing, so row-level security applies to it. Roles live in the
# cluster, so the streaming replica has both.
set -euo pipefail

: "${REPLICATION_USER:?set REPLICATION_USER}"
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
: "${APP_USER:?set APP_USER}"
: "${APP_PASSWORD:?set APP_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=role="$REPLICATION_USER" --set=password="$REPLICATION_PASSWORD" \
  --set=app="$APP_USER" --set=app_password="$APP_PASSWORD" --set=db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"role" WITH LOGIN REPLICATION PASSWORD :'password';
CREATE ROLE :"app" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
-- Before PostgreSQL 15 any role could create tables in public; any role may create temporary ones.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE TEMPORARY ON DATABASE :"db" FROM PUBLIC;
SQL

# Replication connections match only a line naming the `replication` database; the image's own
# `host all all all` line does not cover them. A password is required from every address: the
# compose network is private, but nothing else about it is trusted.
echo "host replication ${REPLICATION_USER} all scram-sha-256" >>"$PGDATA/pg_hba.conf"
