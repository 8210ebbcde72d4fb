#!/usr/bin/env bash
# Runs once, when the official postgres image initialises an empty data directory
# (/docker-entrypoint-initdb.d): the role the replica streams WAL as, and the pg_hba.conf line
# that lets it in. The replication slot is created by the replica itself (pg_basebackup -C), so a
# rebuilt replica and its slot always come together. Settings (wal_level, max_wal_senders, ...)
# are the primary's command in docker/compose.yaml; the standby-sensitive ones are repeated in the
# replica's command there (pg_basebackup copies config files, not a command line).
set -euo pipefail

: "${REPLICATION_USER:?set REPLICATION_USER}"
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=role="$REPLICATION_USER" --set=password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE :"role" WITH LOGIN REPLICATION PASSWORD :'password';
SQL

# Replication connections match only a line naming the `replication` database; the image's own
# `host all all all` line does not cover them. A password is required from every address: the
# compose network is private, but nothing else about it is trusted.
echo "host replication ${REPLICATION_USER} all scram-sha-256" >>"$PGDATA/pg_hba.conf"
