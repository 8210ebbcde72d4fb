# shellcheck shell=bash
# scripts/stack/postgres-replica.sh: sourced by scripts/stack.sh (the settings and constants it uses are
# defined there). The streaming replica of the primary (pg_basebackup -R, physical
# slot), and its apply delay (fault injection for read-your-writes).

system_id() {
  as_pg env LC_ALL=C "$PG_BIN/pg_controldata" -D "$(pg_data "$1")" 2>/dev/null |
    sed -n 's/^Database system identifier: *//p'
}

# A usable replica: a standby of this very primary (same system identifier), same major version.
replica_valid() {
  local data
  data=$(pg_data replica)
  [[ -f $data/PG_VERSION && -f $data/global/pg_control && -f $data/standby.signal ]] || return 1
  [[ $(<"$data/PG_VERSION") == "$PG_MAJOR" ]] || return 1
  grep -q '^primary_conninfo' "$data/postgresql.auto.conf" 2>/dev/null || return 1
  [[ $(system_id replica) == "$(system_id primary)" ]]
}

rebuild_replica() {
  local data tmp
  data=$(pg_data replica)
  tmp="$data.tmp"
  say "creating the replica with pg_basebackup from the primary (slot $SLOT)"
  rm -rf "$data" "$tmp"
  # -R writes standby.signal and primary_conninfo/primary_slot_name into postgresql.auto.conf
  as_pg "$PG_BIN/pg_basebackup" -D "$tmp" -R -X stream -S "$SLOT" -c fast --no-sync \
    -d "host=127.0.0.1 port=$PRIMARY_PORT user=$APP_USER password=$APP_PASSWORD application_name=$SLOT"
  as_pg mv "$tmp" "$data"
}

# primary_conninfo (written by pg_basebackup -R) names the primary's current port.
replica_follows_primary_port() {
  grep -q "^primary_conninfo.*port=${PRIMARY_PORT}[ ']" "$(pg_data replica)/postgresql.auto.conf" 2>/dev/null
}

# If the primary's port changed since the base backup, point primary_conninfo at the new one.
sync_replica_conninfo() {
  replica_follows_primary_port && return 0
  as_pg sed -i -E "/^primary_conninfo/ s/port=[0-9]+/port=$PRIMARY_PORT/" \
    "$(pg_data replica)/postgresql.auto.conf"
}

replica_streaming() {
  [[ $(pg_query replica "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null) == streaming ]]
}

# start_replica_and_wait: start it and wait until it streams from the primary.
start_replica_and_wait() {
  sync_replica_conninfo
  start_pg replica && wait_until "$TIMEOUT" replica_streaming
}

ensure_replica() {
  local data pid fresh=0
  data=$(pg_data replica)
  pg_ready primary || die "the primary is not running; run: scripts/stack.sh up"
  if pid=$(pg_running_pid replica); then
    if replica_follows_primary_port && healthy_running_pg replica &&
      wait_until "$TIMEOUT" replica_streaming; then
      return 0
    fi
    if ! replica_follows_primary_port; then
      say "replica (pid $pid) follows the primary's old port: restarting it"
    else
      before_restart replica "$pid" "$(pg_running_port replica)" "$REPLICA_PORT" STACK_PG_REPLICA_PORT
    fi
    stop_pg replica
  fi
  stop_orphans replica
  require_free_port "$REPLICA_PORT" replica STACK_PG_REPLICA_PORT
  prepare_pg_dir replica
  if ! replica_valid; then
    [[ ! -e $data ]] || say "the replica in $data is not a usable standby of the primary: rebuilding it"
    rebuild_replica
    fresh=1
  fi
  start_replica_and_wait && return 0
  if ((fresh == 0)); then
    say "the replica did not start or stream from its existing data: rebuilding it"
    stop_pg replica
    rebuild_replica
    start_replica_and_wait && return 0
  fi
  die "the replica did not start and stream$(tail_log "$(pg_dir replica)/postgres.log")"
}

# replica apply delay (fault injection for read-your-writes)

replica_delay_ms() {
  pg_query replica "SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'" 2>/dev/null
}
replica_delay_is() { [[ $(replica_delay_ms) == "$1" ]]; }

set_replica_delay() {
  local ms=$((10#$1))
  if ! pg_running_pid replica >/dev/null || ! pg_ready replica; then
    die "the replica is not running; run: scripts/stack.sh up"
  fi
  if ((ms == 0)); then
    pg_query replica "ALTER SYSTEM RESET recovery_min_apply_delay"
  else
    pg_query replica "ALTER SYSTEM SET recovery_min_apply_delay = '${ms}ms'"
  fi
  pg_query replica "SELECT pg_reload_conf()" >/dev/null
  wait_until 10 replica_delay_is "$ms" || die "the replica did not pick up recovery_min_apply_delay=${ms}ms"
  say "replica apply delay is now ${ms}ms"
}

valid_ms() {
  if [[ ! $1 =~ ^[0-9]{1,10}$ ]] || ((10#$1 > 2147483647)); then die "not a delay in milliseconds: '$1'"; fi
}

