#!/usr/bin/env bash
# scripts/stack.sh: the docscale local stack.
#
# Runs a PostgreSQL primary, a real streaming replica of it (pg_basebackup -R, physical slot
# "docscale_replica", hot standby with feedback) and a Redis server, all project-local: data, logs,
# sockets and pid files live under $STACK_DIR (default <repo>/.stack, git-ignored), on their own
# ports, so a system PostgreSQL/Redis on 5432/6379 is never touched. It exists so that every
# engineer and CI get the topology the read/write split, read-your-writes, cache and fault tests
# need, in seconds and without Docker, and so fault tests can stop one member or delay the replica.
#
# Usage: scripts/stack.sh <command>
#   up [--replica-delay MS]   start what is not running (creating .stack on first use, repairing a
#                             missing/broken replica), wait until the primary accepts connections,
#                             the replica streams and Redis answers PING, then print KEY=value URLs
#                             (the app role's, and DATABASE_OWNER_URL for migrations)
#   down                      fast-stop the processes this script started (pids under .stack)
#   status                    one line per member; exit 0 if all up and the replica streams, else 3
#   start-member|stop-member|restart-member primary|replica|redis
#   replica-delay MS          set recovery_min_apply_delay on the replica (0 removes it)
#   nginx-bin                 print the path of the nginx binary (installing what is missing first)
#   tool-bin promtool|kubectl print the path of a validator the deployables' tests run (Debian's
#                             prometheus or kubernetes-client package, installed when root)
#
# Environment: STACK_DIR (<repo>/.stack), STACK_PG_PRIMARY_PORT (55432), STACK_PG_REPLICA_PORT
# (55433), STACK_REDIS_PORT (56379), STACK_PG_BINDIR (found: PATH, pg_config --bindir, newest
# /usr/lib/postgresql/*/bin), STACK_TIMEOUT (seconds to wait for a member, 60).
#
# As root, PostgreSQL runs as the "postgres" OS user (it refuses root) and missing binaries are
# installed from Debian's packages. nginx is only found (or installed) here: scripts/balancer.ts
# runs it, in front of API processes this script does not start. LOCAL DEV/TEST STACK ONLY: fsync,
# synchronous_commit and full_page_writes are off and local socket connections are trusted. Never
# keep data you need here.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$REPO_DIR/.stack}"
[[ $STACK_DIR == /* ]] || STACK_DIR="$PWD/$STACK_DIR"
PRIMARY_PORT="${STACK_PG_PRIMARY_PORT:-55432}"
REPLICA_PORT="${STACK_PG_REPLICA_PORT:-55433}"
REDIS_PORT="${STACK_REDIS_PORT:-56379}"
TIMEOUT="${STACK_TIMEOUT:-60}"
readonly REPO_DIR STACK_DIR PRIMARY_PORT REPLICA_PORT REDIS_PORT TIMEOUT

# Two roles (docs/patterns/least-privilege.md): the owner owns the database and its tables and
# runs migrations (and is the replica's replication user); the app role, which the API and the
# worker connect as, owns nothing and cannot create anything. The replica is a physical copy, so
# both exist there too.
readonly APP_DB=docscale APP_USER=docscale APP_PASSWORD=docscale
readonly APP_ROLE=docscale_app APP_ROLE_PASSWORD=docscale_app
readonly SLOT=docscale_replica
readonly PG_OS_USER=postgres # the OS user PostgreSQL runs as when this script runs as root
readonly PG_SUPERUSER=postgres # bootstrap superuser, reached only through the trusted socket
readonly PG_TOOLS=(initdb pg_ctl postgres pg_basebackup psql pg_isready pg_controldata)
readonly STOP_TIMEOUT=30 # seconds for a graceful stop before escalating
readonly HANG_GRACE=10   # seconds a running member may fail to answer before it is restarted

PG_BIN=""        # PostgreSQL bin dir, set by ensure_tools
PG_MAJOR=""      # its major version
REDIS_SERVER=""  # redis-server binary
NGINX_BIN=""     # nginx binary (run by scripts/balancer.ts, not by this script)
CLEANUP_FILES=() # removed on exit (the temporary policy-rc.d guard)

# ---------------------------------------------------------------------------------------------
# small helpers

say() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }
is_root() { [[ $EUID -eq 0 ]]; }

cleanup() { if ((${#CLEANUP_FILES[@]})); then rm -f "${CLEANUP_FILES[@]}"; fi; }
trap cleanup EXIT

# wait_until SECONDS CMD...: poll CMD until it succeeds; fail once the deadline has passed.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Run a PostgreSQL binary (or any command touching its files) as the user that owns the data.
# From / so that a cwd the postgres user cannot read (e.g. /root) does not break it.
as_pg() {
  if is_root; then
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

# write_as_pg FILE [-a]: stdin into FILE, owned by the PostgreSQL user.
write_as_pg() { as_pg tee "${@:2}" "$1" >/dev/null; }

# proc_cmdline PID: print a process's command line, arguments joined by spaces (Linux /proc).
proc_cmdline() {
  local args=()
  mapfile -d '' -t args 2>/dev/null <"/proc/$1/cmdline" || return 1
  printf '%s\n' "${args[*]}"
}

# pid_is PID NAME: PID is a live (not zombie) process whose command line mentions NAME.
pid_is() {
  local pid=$1 name=$2 cmd
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  if [[ -d /proc/$pid ]]; then
    cmd=$(proc_cmdline "$pid") || return 1
  else
    cmd=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
  fi
  [[ $cmd == *"$name"* ]]
}
pid_gone() { ! pid_is "$1" "$2"; }

# stop_process PID NAME GRACEFUL_SIGNAL HARD_SIGNAL: stop one of our processes, escalating.
stop_process() {
  local pid=$1 name=$2 graceful=$3 hard=$4
  kill -s "$graceful" "$pid" 2>/dev/null || true
  kill -s CONT "$pid" 2>/dev/null || true # in case a fault test froze it with SIGSTOP
  wait_until "$STOP_TIMEOUT" pid_gone "$pid" "$name" && return 0
  say "$name (pid $pid) did not stop within ${STOP_TIMEOUT}s, sending SIG$hard"
  kill -s "$hard" "$pid" 2>/dev/null || true
  wait_until 10 pid_gone "$pid" "$name" && return 0
  kill -s KILL "$pid" 2>/dev/null || true
  wait_until 5 pid_gone "$pid" "$name" || die "could not stop $name (pid $pid)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# require_free_port PORT MEMBER ENV_VAR: called only when our own member is not running.
require_free_port() {
  port_in_use "$1" || return 0
  die "port $1 ($2) is already in use by a process this stack did not start;" \
    "set $3 to a free port (e.g. $3=$(($1 + 1000)))"
}

# before_restart MEMBER PID RUNNING_PORT PORT ENV_VAR: say why a running member gets restarted;
# when its port was changed, check the new one is free before anything is stopped.
before_restart() {
  if [[ $3 != "$4" ]]; then
    require_free_port "$4" "$1" "$5"
    say "$1 (pid $2) runs on port ${3:-?} but is configured for $4: restarting it"
  else
    say "$1 (pid $2) is not healthy on port $4: restarting it"
  fi
}

tail_log() { printf '\n--- last lines of %s ---\n' "$1"; tail -n 20 "$1" 2>/dev/null || true; }

# Processes of this stack whose pid files are gone (say, rm -rf .stack while it ran) still hold
# their ports. They are recognized by their data dir: "postgres -D <data>" for PostgreSQL, the
# working dir for Redis (with " (deleted)" once removed). Linux only (/proc); elsewhere: none.
orphan_pids() {
  local member=$1 proc args cwd data redis
  data=$(pg_data "$member")
  redis=$(redis_dir)
  for proc in /proc/[0-9]*; do
    args=()
    mapfile -d '' -t args 2>/dev/null <"$proc/cmdline" || continue
    if [[ $member == redis ]]; then
      [[ ${args[0]:-} == *redis-server* ]] || continue
      cwd=$(readlink "$proc/cwd" 2>/dev/null) || continue
      [[ $cwd == "$redis" || $cwd == "$redis (deleted)" ]] || continue
    else
      [[ ${args[0]:-} == */postgres && ${args[*]:1} == "-D $data" ]] || continue
    fi
    printf '%s\n' "${proc#/proc/}"
  done
}

stop_orphans() {
  local member=$1 pid name=postgres graceful=INT hard=QUIT
  [[ $member != redis ]] || { name='redis-server'; graceful=TERM; hard=KILL; }
  for pid in $(orphan_pids "$member"); do
    say "stopping an orphaned $member (pid $pid) whose files under $STACK_DIR are gone"
    stop_process "$pid" "$name" "$graceful" "$hard"
  done
}

# ---------------------------------------------------------------------------------------------
# finding (and, as root, installing) the binaries

has_pg_tools() {
  local dir=$1 tool
  [[ -n $dir ]] || return 1
  for tool in "${PG_TOOLS[@]}"; do [[ -x $dir/$tool ]] || return 1; done
}

find_pg_bindir() {
  local candidates=() dir
  [[ -z ${STACK_PG_BINDIR:-} ]] || candidates+=("$STACK_PG_BINDIR")
  if dir=$(command -v initdb 2>/dev/null); then candidates+=("$(dirname "$dir")"); fi
  if command -v pg_config >/dev/null 2>&1; then candidates+=("$(pg_config --bindir 2>/dev/null || true)"); fi
  # newest version first: /usr/lib/postgresql/<major>/bin
  while IFS= read -r dir; do candidates+=("$dir"); done < <(
    printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5nr
  )
  for dir in "${candidates[@]}"; do
    if has_pg_tools "$dir"; then
      printf '%s\n' "$dir"
      return 0
    fi
  done
  return 1
}

# find_binary NAME DIR...: NAME on PATH, else in one of the DIRs (Debian installs nginx in
# /usr/sbin, which is not on every user's PATH).
find_binary() {
  local name=$1 bin dir
  if bin=$(command -v "$name" 2>/dev/null) && [[ -x $bin ]]; then
    printf '%s\n' "$bin"
    return 0
  fi
  for dir in "${@:2}"; do
    if [[ -x $dir/$name ]]; then
      printf '%s\n' "$dir/$name"
      return 0
    fi
  done
  return 1
}

find_redis_server() { find_binary redis-server /usr/bin /usr/local/bin; }
find_nginx() { find_binary nginx /usr/sbin /usr/local/sbin; }

# Install Debian packages without letting them start services: Debian's postgresql package would
# otherwise create and start a "main" cluster, redis-server a system Redis on 6379, nginx a system
# nginx on port 80 (its default site), none of which this stack uses. A policy-rc.d
# that answers 101 ("action forbidden") is the standard way to say so; ours is removed on exit.
apt_install() {
  command -v apt-get >/dev/null || die "missing $*, and apt-get is not available to install it"
  say "installing $* with apt-get (services are not started)"
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    CLEANUP_FILES+=(/usr/sbin/policy-rc.d)
    printf '#!/bin/sh\n# temporary, from docscale scripts/stack.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "$@" >&2
  cleanup
  CLEANUP_FILES=()
}

# ensure_tools install|no-install: set PG_BIN, PG_MAJOR, REDIS_SERVER, NGINX_BIN.
ensure_tools() {
  local mode=$1 missing=()
  PG_BIN=$(find_pg_bindir) || missing+=(postgresql)
  REDIS_SERVER=$(find_redis_server) || missing+=(redis-server)
  # Only `up` and `nginx-bin` need nginx (the balancer's); status and member commands do not.
  if ! NGINX_BIN=$(find_nginx) && [[ $mode == install ]]; then missing+=(nginx); fi
  if ((${#missing[@]})); then
    if [[ $mode == install ]] && is_root; then
      apt_install "${missing[@]}"
      PG_BIN=$(find_pg_bindir) || die "PostgreSQL binaries still not found after installing postgresql"
      REDIS_SERVER=$(find_redis_server) || die "redis-server still not found after installing redis-server"
      [[ " ${missing[*]} " != *" nginx "* ]] || NGINX_BIN=$(find_nginx) ||
        die "nginx still not found after installing nginx"
    else
      die "missing: ${missing[*]} (need ${PG_TOOLS[*]}, redis-server and nginx)." \
        "Install with:  sudo apt-get install -y ${missing[*]}" \
        "(or put the binaries on PATH / set STACK_PG_BINDIR), then run this again"
    fi
  fi
  [[ $("$PG_BIN/pg_ctl" --version) =~ \)\ ([0-9]+) ]] || die "cannot tell the version of $PG_BIN/pg_ctl"
  PG_MAJOR=${BASH_REMATCH[1]}
  ((PG_MAJOR >= 12)) || die "PostgreSQL $PG_MAJOR in $PG_BIN is too old (need 12+); set STACK_PG_BINDIR"
  if is_root; then
    id -u "$PG_OS_USER" >/dev/null 2>&1 ||
      die "running as root, PostgreSQL must run as the '$PG_OS_USER' OS user, which does not exist" \
        "(Debian's postgresql package creates it); create it or run this script as a non-root user"
    command -v runuser >/dev/null || die "running as root needs runuser (util-linux) to drop to '$PG_OS_USER'"
  fi
}

# ---------------------------------------------------------------------------------------------
# directories

pg_dir() { printf '%s/pg-%s\n' "$STACK_DIR" "$1"; } # member dir: data/, postgres.log, socket
pg_data() { printf '%s/pg-%s/data\n' "$STACK_DIR" "$1"; }
pg_port() { if [[ $1 == primary ]]; then echo "$PRIMARY_PORT"; else echo "$REPLICA_PORT"; fi; }
redis_dir() { printf '%s/redis\n' "$STACK_DIR"; }

prepare_stack_dir() {
  [[ -d $STACK_DIR ]] && return 0
  mkdir -p "$(dirname "$STACK_DIR")"
  mkdir -m 755 "$STACK_DIR" 2>/dev/null || [[ -d $STACK_DIR ]] || die "cannot create $STACK_DIR"
}

# Serialize commands that change the stack (tests and engineers may run `up` concurrently).
take_lock() {
  command -v flock >/dev/null || return 0
  exec 9>"$STACK_DIR/.lock"
  flock -w 300 9 || die "another scripts/stack.sh is still running (lock $STACK_DIR/.lock)"
}

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

# ---------------------------------------------------------------------------------------------
# PostgreSQL

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

# ---------------------------------------------------------------------------------------------
# Redis

redis_running_pid() {
  local pid
  pid=$(head -n 1 "$(redis_dir)/redis.pid" 2>/dev/null) || return 1
  pid_is "$pid" redis-server || return 1
  printf '%s\n' "$pid"
}

# The port our running Redis was started on (recorded at start; the pid file does not say).
redis_running_port() { cat "$(redis_dir)/redis.port" 2>/dev/null; }

# healthy_running_redis: on the configured port and answering within the grace period.
healthy_running_redis() {
  [[ $(redis_running_port) == "$REDIS_PORT" ]] && wait_until "$HANG_GRACE" redis_ping
}

# PING over bash's /dev/tcp: no dependency on redis-cli.
redis_ping() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ $reply == +PONG* ]]
  ) 2>/dev/null
}

stop_redis() {
  local pid
  pid=$(redis_running_pid) || return 0
  say "stopping redis (pid $pid)"
  stop_process "$pid" redis-server TERM KILL
}

ensure_redis() {
  local dir pid
  dir=$(redis_dir)
  if pid=$(redis_running_pid); then
    healthy_running_redis && return 0
    before_restart redis "$pid" "$(redis_running_port)" "$REDIS_PORT" STACK_REDIS_PORT
    stop_redis
  fi
  stop_orphans redis
  require_free_port "$REDIS_PORT" redis STACK_REDIS_PORT
  [[ -d $dir ]] || mkdir -m 700 "$dir"
  say "starting redis on 127.0.0.1:$REDIS_PORT"
  echo "$REDIS_PORT" >"$dir/redis.port"
  "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --dir "$dir" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save "" \
    --appendonly yes --appendfsync everysec --maxmemory-policy noeviction 9>&-
  wait_until "$TIMEOUT" redis_ping || die "redis did not answer PING$(tail_log "$dir/redis.log")"
}

# ---------------------------------------------------------------------------------------------
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

# ---------------------------------------------------------------------------------------------
# status

# status_line MEMBER STATE PORT PID [DETAIL]
status_line() {
  if [[ -n ${5:-} ]]; then
    printf '%-8s %-5s 127.0.0.1:%-6s pid %-7s  %s\n' "$1" "$2" "$3" "${4:--}" "$5"
  else
    printf '%-8s %-5s 127.0.0.1:%-6s pid %s\n' "$1" "$2" "$3" "${4:--}"
  fi
}

# replication_detail: "streaming, replay lag N bytes, apply delay Mms" (primary's view of the slot).
replication_detail() {
  local row state lag delay
  row=$(pg_query primary "SELECT r.state, pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)
    FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
    WHERE s.slot_name = '$SLOT'" 2>/dev/null) || row=""
  delay=$(replica_delay_ms) || delay="?"
  if [[ -z $row ]]; then
    printf 'not streaming, apply delay %sms\n' "$delay"
    return 1
  fi
  IFS='|' read -r state lag <<<"$row"
  printf '%s, replay lag %s bytes, apply delay %sms\n' "$state" "${lag:-?}" "$delay"
  [[ $state == streaming ]]
}

# Print the status lines; return 0 if every member is up (and the replica streams).
print_status() {
  local ok=0 member pid detail
  for member in primary replica; do
    if pid=$(pg_running_pid "$member") && [[ $(pg_running_port "$member") == "$(pg_port "$member")" ]] &&
      pg_ready "$member"; then
      detail=""
      if [[ $member == replica ]]; then detail=$(replication_detail) || ok=1; fi
      status_line "$member" up "$(pg_port "$member")" "$pid" "$detail"
    else
      status_line "$member" down "$(pg_port "$member")" "${pid:-}"
      ok=1
    fi
  done
  if pid=$(redis_running_pid) && [[ $(redis_running_port) == "$REDIS_PORT" ]] && redis_ping; then
    status_line redis up "$REDIS_PORT" "$pid"
  else
    status_line redis down "$REDIS_PORT" "${pid:-}"
    ok=1
  fi
  return "$ok"
}

print_urls() {
  local creds="$APP_ROLE:$APP_ROLE_PASSWORD"
  echo "DATABASE_PRIMARY_URL=postgres://$creds@127.0.0.1:$PRIMARY_PORT/$APP_DB"
  echo "DATABASE_REPLICA_URL=postgres://$creds@127.0.0.1:$REPLICA_PORT/$APP_DB"
  echo "DATABASE_OWNER_URL=postgres://$APP_USER:$APP_PASSWORD@127.0.0.1:$PRIMARY_PORT/$APP_DB"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

# ---------------------------------------------------------------------------------------------
# commands

usage() { sed -n '11,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

cmd_up() {
  local delay=""
  while (($#)); do
    case $1 in
      --replica-delay) [[ $# -ge 2 ]] || die "--replica-delay needs a value in ms"; delay=$2; shift 2 ;;
      --replica-delay=*) delay=${1#*=}; shift ;;
      *) die "unknown option for up: $1" ;;
    esac
  done
  [[ -z $delay ]] || valid_ms "$delay"
  ensure_tools install
  prepare_stack_dir
  take_lock
  ensure_primary
  ensure_replica
  ensure_redis
  [[ -z $delay ]] || set_replica_delay "$delay"
  print_status >&2 || die "the stack is not fully up"
  print_urls
}

cmd_down() {
  [[ ! -d $STACK_DIR ]] || take_lock
  stop_pg replica
  stop_pg primary
  stop_redis
  stop_orphans replica
  stop_orphans primary
  stop_orphans redis
  if [[ -d $STACK_DIR ]]; then say "stack is down (data kept in $STACK_DIR)"; else say "stack is down"; fi
}

cmd_status() {
  ensure_tools no-install
  print_status || exit 3
}

start_member() {
  case $1 in
    primary)
      ensure_primary
      # a running replica reconnects on its own; wait for it so callers get a working stack
      if pg_running_pid replica >/dev/null; then
        wait_until "$TIMEOUT" replica_streaming || say "warning: the replica is not streaming yet"
      fi
      ;;
    replica) ensure_replica ;;
    redis) ensure_redis ;;
  esac
}

stop_member() {
  case $1 in
    primary | replica) stop_pg "$1" ;;
    redis) stop_redis ;;
  esac
}

cmd_member() {
  local action=$1 member=${2:-}
  [[ $member =~ ^(primary|replica|redis)$ ]] || die "usage: scripts/stack.sh $action primary|replica|redis"
  ensure_tools install
  prepare_stack_dir
  take_lock
  case $action in
    start-member) start_member "$member" ;;
    stop-member) stop_member "$member" ;;
    restart-member) stop_member "$member" && start_member "$member" ;;
  esac
}

cmd_replica_delay() {
  [[ $# -eq 1 ]] || die "usage: scripts/stack.sh replica-delay MS"
  valid_ms "$1"
  ensure_tools no-install
  [[ -d $STACK_DIR ]] || die "the stack is not running; run: scripts/stack.sh up"
  take_lock
  set_replica_delay "$1"
}

# The validators test/deploy runs against docker/ and k8s/; not part of the stack itself.
cmd_tool_bin() {
  local tool=${1:-} package path
  case $tool in
    promtool) package=prometheus ;;
    kubectl) package=kubernetes-client ;;
    *) die "usage: scripts/stack.sh tool-bin promtool|kubectl" ;;
  esac
  if ! path=$(find_binary "$tool" /usr/bin /usr/local/bin); then
    is_root || die "missing $tool. Install with:  sudo apt-get install -y $package"
    apt_install "$package"
    path=$(find_binary "$tool" /usr/bin /usr/local/bin) || die "$tool still not found after installing $package"
  fi
  printf '%s\n' "$path"
}

main() {
  local cmd=${1:-help}
  (($# == 0)) || shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    start-member | stop-member | restart-member) cmd_member "$cmd" "$@" ;;
    replica-delay) cmd_replica_delay "$@" ;;
    nginx-bin) ensure_tools install && printf '%s\n' "$NGINX_BIN" ;;
    tool-bin) cmd_tool_bin "$@" ;;
    help | -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
