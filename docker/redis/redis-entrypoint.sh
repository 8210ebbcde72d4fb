#!/bin/sh
# The compose Redis's entrypoint: redis-server with an ACL instead of the image's default user,
# which answers anyone on the network without a password. Clients log in as `docscale` with
# DOCSCALE_REDIS_PASSWORD (REDIS_URL=redis://docscale:<password>@redis:6379, docker/compose.yaml);
# the default user is switched off, so a connection without credentials can run nothing.
#
# The password goes into an ACL file on the container's tmpfs, written here at start, rather than
# onto redis-server's command line (`--requirepass`/`--user ... >password`), where every `ps` in
# the container and `docker top` would show it.
#
# `docscale` may touch every key and channel (the cache, toggles, rate limits and BullMQ share this
# Redis) and run every command but the administrative ones: with the password leaked, a client
# still cannot reconfigure the server (CONFIG SET dir/dbfilename), read other clients' traffic
# (MONITOR, CLIENT LIST), change the ACL, shut it down or wipe it (FLUSHALL, FLUSHDB). BullMQ's
# and docscale's Lua scripts run with the same rights, and need none of these.
set -eu

: "${DOCSCALE_REDIS_PASSWORD:?set DOCSCALE_REDIS_PASSWORD (docker/README.md)}"
# It is part of a URL, and an ACL rule ends at a space: letters and digits only (openssl rand -hex).
case $DOCSCALE_REDIS_PASSWORD in
  *[!0-9A-Za-z]*)
    echo 'redis: DOCSCALE_REDIS_PASSWORD must be letters and digits only (docker/README.md)' >&2
    exit 64
    ;;
esac

acl=/tmp/users.acl
umask 077
printf '%s\n' \
  'user default off' \
  "user docscale on >$DOCSCALE_REDIS_PASSWORD ~* &* +@all -@admin -flushall -flushdb" >"$acl"

exec redis-server --aclfile "$acl" "$@"
