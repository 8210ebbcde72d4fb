# shellcheck shell=bash
# scripts/stack/common.sh: sourced by scripts/stack.sh (the settings and constants it uses are
# defined there). Messages, polling, running as the PostgreSQL user, our processes
# (found by pid file or, orphaned, by /proc), ports, and the stack's directories and lock.

say() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }
is_root() { [[ $EUID -eq 0 ]]; }

# Run on exit (the trap is set by scripts/stack.sh).
cleanup() { if ((${#CLEANUP_FILES[@]})); then rm -f "${CLEANUP_FILES[@]}"; fi; }

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

