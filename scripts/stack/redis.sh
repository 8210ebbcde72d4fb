# shellcheck shell=bash
# scripts/stack/redis.sh: sourced by scripts/stack.sh (the settings and constants it uses are
# defined there). The Redis server: start, stop, PING.

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

