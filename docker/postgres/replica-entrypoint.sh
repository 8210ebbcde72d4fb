#!/usr/bin/env bash
# The replica's entrypoint: a real streaming replica of `primary`, as scripts/stack.sh builds
# locally. On an empty data directory it takes a base backup of the primary with
#   pg_basebackup -R -X stream -S <slot> -C
# (-R: standby.signal + primary_conninfo/primary_slot_name in postgresql.auto.conf; -X stream: the
# WAL written during the copy comes along; -S/-C: a physical slot, created now, so the primary
# keeps the WAL the replica has not received yet), then runs postgres as a hot standby. On a data
# directory that already holds a cluster it just starts it: the standby resumes from its slot.
set -euo pipefail

PGDATA=${PGDATA:-/var/lib/postgresql/data}
: "${PRIMARY_HOST:?set PRIMARY_HOST}"
: "${REPLICATION_USER:?set REPLICATION_USER}"
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
SLOT=${REPLICATION_SLOT:-docscale_replica}

# Started as root (the image's default user): own the volume, then continue as postgres.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  exec gosu postgres "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "replica: empty $PGDATA, taking a base backup of $PRIMARY_HOST (slot $SLOT)"
  export PGPASSWORD=$REPLICATION_PASSWORD
  conninfo="host=$PRIMARY_HOST port=5432 user=$REPLICATION_USER application_name=$SLOT"
  backup=(pg_basebackup -d "$conninfo" -D "$PGDATA" -R -X stream -S "$SLOT" -c fast -P)
  # -C fails when the slot is already there (this replica's volume was deleted, the primary's
  # was not): the slot is ours, reuse it.
  if ! "${backup[@]}" -C 2>/tmp/basebackup.err; then
    cat /tmp/basebackup.err >&2
    grep -q 'already exists' /tmp/basebackup.err || exit 1
    find "$PGDATA" -mindepth 1 -delete
    "${backup[@]}"
  fi
fi

# pg_basebackup copies postgresql.conf and postgresql.auto.conf, not the primary's command line:
# the primary's `-c` settings (docker/compose.yaml) do not reach this standby on their own. A hot
# standby refuses to start when max_connections, max_wal_senders, max_worker_processes,
# max_locks_per_transaction or max_prepared_transactions is lower here than on the primary, so
# compose passes the same values as this service's command ("$@"; a test keeps the two in step).
# The two below make it a read replica that does not cancel its own long reads: hot standby
# feedback tells the primary which rows they still need, so vacuum keeps them.
exec postgres -c hot_standby=on -c hot_standby_feedback=on "$@"
