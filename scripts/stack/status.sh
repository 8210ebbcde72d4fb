# shellcheck shell=bash
# scripts/stack/status.sh: sourced by scripts/stack.sh (the settings and constants it uses are
# defined there). `status` and the URLs `up` prints.

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

