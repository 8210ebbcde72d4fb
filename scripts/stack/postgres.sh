# shellcheck shell=bash
# scripts/stack/postgres.sh: sourced by scripts/stack.sh (the settings and constants it uses are
# defined there). The PostgreSQL primary: its directory, settings, initdb, start and
# stop, and the roles, database and replication slot (docs/patterns/least-privilege.md).

# The PostgreSQL user must be able to reach its dirs: every parent must be searchable by it.
check_pg_can_reach() {
  local target=$1 dir chain=()
  as_pg test -w "$target" -a -x "$target" && return 0
  dir=$target
  while [[ $dir != / ]]; do
    chain=("$dir" "${chain[@]}")
    dir=$(dirname "$dir")
  done
  for dir in "${chain[@]}"; do
    as_pg test -x "$dir" ||
      die "PostgreSQL runs as '$PG_OS_USER' and cannot reach $target: $dir is not searchable by it." \
        "Fix with 'chmod o+x $dir', or set STACK_DIR to a directory it can reach" \
        "(e.g. STACK_DIR=/var/tmp/docscale-stack)"
  done
  die "'$PG_OS_USER' cannot write to $target"
}

# Member dir mode 700, owned by the PostgreSQL user (its socket lives there, trusted locally).
prepare_pg_dir() {
  local dir
  dir=$(pg_dir "$1")
  [[ -d $dir ]] || mkdir -m 700 "$dir"
  if is_root && [[ $(stat -c %U "$dir") != "$PG_OS_USER" ]]; then
    chown -R "$PG_OS_USER": "$dir"
  fi
  check_pg_can_reach "$dir"
}

# pg_query MEMBER SQL: run one statement as the superuser over the member's unix socket.
pg_query() {
  as_pg "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$(pg_dir "$1")" -p "$(pg_port "$1")" \
    -U "$PG_SUPERUSER" -d "${3:-postgres}" -c "$2"
}

pg_ready() { as_pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(pg_port "$1")" -t 2; }

# pg_running_pid MEMBER: print the postmaster pid if our server for MEMBER is alive.
pg_running_pid() {
  local pidfile pid
  pidfile="$(pg_data "$1")/postmaster.pid"
  [[ -r $pidfile ]] || return 1
  pid=$(head -n 1 "$pidfile")
  pid_is "$pid" postgres || return 1
  printf '%s\n' "$pid"
}

# The port a running server listens on (line 4 of postmaster.pid).
pg_running_port() { sed -n 4p "$(pg_data "$1")/postmaster.pid" 2>/dev/null; }

# healthy_running_pg MEMBER: ours, on the configured port, and answering within the grace period.
healthy_running_pg() {
  [[ $(pg_running_port "$1") == "$(pg_port "$1")" ]] && wait_until "$HANG_GRACE" pg_ready "$1"
}

pick_locale() {
  local locales
  locales=$(locale -a 2>/dev/null || true)
  if grep -qiE '^c\.utf-?8$' <<<"$locales"; then echo C.UTF-8; else echo C; fi
}

sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# Settings live in stack.conf (included from postgresql.conf), rewritten on every start so that
# port changes apply; pg_basebackup copies the primary's, which is then overwritten for the replica.
write_pg_conf() {
  local member=$1
  write_as_pg "$(pg_data "$member")/stack.conf" <<EOF
# Written by scripts/stack.sh on every start: edit the script, not this file.
# LOCAL DEV/TEST STACK: fsync, synchronous_commit and full_page_writes are off for speed;
# an OS crash can corrupt this cluster (then: rm -rf .stack and run up again).
listen_addresses = '127.0.0.1'
port = $(pg_port "$member")
unix_socket_directories = $(sql_quote "$(pg_dir "$member")")
cluster_name = 'docscale_$member'
max_connections = 200
shared_buffers = 128MB
password_encryption = scram-sha-256
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
fsync = off
synchronous_commit = off
full_page_writes = off
hot_standby = on
hot_standby_feedback = on
wal_retrieve_retry_interval = 1s # reconnect quickly after a primary restart (fault tests)
EOF
}

init_primary() {
  local data tmp
  data=$(pg_data primary)
  tmp="$data.tmp"
  if [[ -e $data ]]; then
    say "$data is not a complete cluster (no PG_VERSION or global/pg_control): re-initializing it"
  fi
  say "initializing the primary in $data"
  rm -rf "$data" "$tmp"
  # initdb into a temporary dir and rename it, so an interrupted init never looks like a cluster
  as_pg "$PG_BIN/initdb" -D "$tmp" -U "$PG_SUPERUSER" --encoding=UTF8 --locale="$(pick_locale)" \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >/dev/null
  write_as_pg "$tmp/pg_hba.conf" <<'EOF'
# docscale local stack: the superuser only through the unix socket (in a 700 dir),
# everything over TCP with a password.
local all         all                  trust
local replication all                  trust
host  all         all    127.0.0.1/32  scram-sha-256
host  replication all    127.0.0.1/32  scram-sha-256
EOF
  printf "\n# docscale local stack (scripts/stack.sh)\ninclude 'stack.conf'\n" |
    write_as_pg "$tmp/postgresql.conf" -a
  as_pg mv "$tmp" "$data"
}

check_pg_version() {
  local data version
  data=$(pg_data "$1")
  version=$(<"$data/PG_VERSION")
  [[ $version == "$PG_MAJOR" ]] ||
    die "$data was created by PostgreSQL $version but the binaries found are $PG_MAJOR ($PG_BIN);" \
      "set STACK_PG_BINDIR to a PostgreSQL $version bin dir, or delete $STACK_DIR to start over"
}

# After a crash (kill -9) the postmaster can linger as an unreaped zombie, which PostgreSQL takes
# for a running server ("lock file ... already exists"). Once none of the member's processes is
# left (they are titled "postgres: docscale_<member>: ..."), its lock files are only stale.
clear_stale_lock_files() {
  local member=$1 file pid stale=()
  for file in "$(pg_data "$member")/postmaster.pid" "$(pg_dir "$member")"/.s.PGSQL.*.lock; do
    [[ -f $file ]] || continue
    pid=$(head -n 1 "$file")
    pid_is "$pid" postgres || stale+=("$file")
  done
  ((${#stale[@]})) || return 0
  wait_until "$STOP_TIMEOUT" no_pg_processes_left "$member" ||
    die "processes of the crashed $member are still running:" \
      "$(pgrep -d ' ' -f "^postgres: docscale_$member: ")"
  as_pg rm -f "${stale[@]}"
}
no_pg_processes_left() { ! pgrep -f "^postgres: docscale_$1: " >/dev/null; }

# start_pg MEMBER: start the server and wait until it accepts connections; non-zero if it does not.
start_pg() {
  local member=$1 log
  log="$(pg_dir "$member")/postgres.log"
  write_pg_conf "$member"
  clear_stale_lock_files "$member"
  as_pg touch "$log" # created by the PostgreSQL user, before we append pg_ctl's messages to it
  say "starting $member on 127.0.0.1:$(pg_port "$member")"
  # pg_ctl's own messages go to the server log too; 9>&-: the daemon must not hold our lock
  # shellcheck disable=SC2094 # pg_ctl only appends to the log it is given, as we do
  as_pg "$PG_BIN/pg_ctl" -D "$(pg_data "$member")" -l "$log" -w -t "$TIMEOUT" -s start >>"$log" 2>&1 9>&-
}

stop_pg() {
  local pid
  pid=$(pg_running_pid "$1") || return 0
  say "stopping $1 (pid $pid)"
  stop_process "$pid" postgres INT QUIT # SIGINT = fast shutdown, SIGQUIT = immediate
}

# Role, database and replication slot: created once, checked on every up.
bootstrap_primary() {
  if [[ -z $(pg_query primary "SELECT 1 FROM pg_roles WHERE rolname = '$APP_USER'") ]]; then
    pg_query primary "CREATE ROLE $APP_USER LOGIN REPLICATION PASSWORD '$APP_PASSWORD'"
  fi
  if [[ -z $(pg_query primary "SELECT 1 FROM pg_database WHERE datname = '$APP_DB'") ]]; then
    pg_query primary "CREATE DATABASE $APP_DB OWNER $APP_USER"
  fi
  if [[ -z $(pg_query primary "SELECT 1 FROM pg_roles WHERE rolname = '$APP_ROLE'") ]]; then
    pg_query primary "CREATE ROLE $APP_ROLE LOGIN PASSWORD '$APP_ROLE_PASSWORD'"
  fi
  # Also on every up, so a stack created before the app role existed gets the same rights. Before
  # PostgreSQL 15 every role could create tables in the public schema; TEMPORARY lets any role
  # create temporary tables. The owner keeps both as the database's owner; the table grants come
  # from `npm run migrate` (scripts/app-role.ts).
  pg_query primary "ALTER ROLE $APP_ROLE NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION"
  pg_query primary "REVOKE CREATE ON SCHEMA public FROM PUBLIC" "$APP_DB"
  pg_query primary "REVOKE TEMPORARY ON DATABASE $APP_DB FROM PUBLIC"
  if [[ -z $(pg_query primary "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT'") ]]; then
    pg_query primary "SELECT pg_create_physical_replication_slot('$SLOT', true)" >/dev/null
  fi
}

ensure_primary() {
  local data pid
  data=$(pg_data primary)
  if pid=$(pg_running_pid primary); then
    if healthy_running_pg primary; then
      bootstrap_primary
      return 0
    fi
    before_restart primary "$pid" "$(pg_running_port primary)" "$PRIMARY_PORT" STACK_PG_PRIMARY_PORT
    stop_pg primary
  fi
  stop_orphans primary
  require_free_port "$PRIMARY_PORT" primary STACK_PG_PRIMARY_PORT
  prepare_pg_dir primary
  [[ -f $data/PG_VERSION && -f $data/global/pg_control ]] || init_primary
  check_pg_version primary
  start_pg primary || die "the primary did not start$(tail_log "$(pg_dir primary)/postgres.log")"
  bootstrap_primary
}

