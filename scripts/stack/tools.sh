# shellcheck shell=bash
# scripts/stack/tools.sh: sourced by scripts/stack.sh (the settings and constants it uses are
# defined there). Finding (and, as root, installing from Debian's packages) the
# binaries: PostgreSQL, redis-server, nginx (for scripts/balancer.ts), promtool, amtool and kubectl
# (for test/deploy).

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

# The validators test/deploy runs against docker/ and k8s/; not part of the stack itself.
cmd_tool_bin() {
  local tool=${1:-} package path
  case $tool in
    promtool) package=prometheus ;;
    amtool) package=prometheus-alertmanager ;;
    kubectl) package=kubernetes-client ;;
    *) die "usage: scripts/stack.sh tool-bin promtool|amtool|kubectl" ;;
  esac
  if ! path=$(find_binary "$tool" /usr/bin /usr/local/bin); then
    is_root || die "missing $tool. Install with:  sudo apt-get install -y $package"
    apt_install "$package"
    path=$(find_binary "$tool" /usr/bin /usr/local/bin) || die "$tool still not found after installing $package"
  fi
  printf '%s\n' "$path"
}
