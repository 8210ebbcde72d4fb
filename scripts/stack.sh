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
#   tool-bin promtool|amtool|kubectl  print the path of a validator the deployables' tests run
#                             (Debian's prometheus, prometheus-alertmanager or kubernetes-client
#                             package, installed when root)
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
#
# This file holds the settings and the commands; the work is in scripts/stack/: common.sh (messages,
# processes, ports, directories), tools.sh (binaries), postgres.sh (primary, roles),
# postgres-replica.sh (replica, apply delay), redis.sh and status.sh.
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

# Each responsibility in its own file under scripts/stack/, sourced in dependency order.
STACK_LIB="$REPO_DIR/scripts/stack"
# shellcheck source=stack/common.sh
source "$STACK_LIB/common.sh"
# shellcheck source=stack/tools.sh
source "$STACK_LIB/tools.sh"
# shellcheck source=stack/postgres.sh
source "$STACK_LIB/postgres.sh"
# shellcheck source=stack/postgres-replica.sh
source "$STACK_LIB/postgres-replica.sh"
# shellcheck source=stack/redis.sh
source "$STACK_LIB/redis.sh"
# shellcheck source=stack/status.sh
source "$STACK_LIB/status.sh"
trap cleanup EXIT

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
