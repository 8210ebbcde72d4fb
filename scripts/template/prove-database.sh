# scripts/template/prove-database.sh (sourced by prove.sh): a database of its own for each proof's
# e2e files, on the running local stack. A transformed copy has other migrations than this tree,
# so it must not migrate (or find already migrated) the main database. Roles are cluster-wide:
# the new database gets the same owner and app role, and RLS comes with the copy's migrations.
# The streaming replica is a physical copy of the whole cluster, so the database appears there
# too and read routing is exercised as in the main run.

# The owner role cannot create databases (docs/patterns/least-privilege.md), so this runs as the
# stack's superuser over the primary's trusted unix socket, the way scripts/stack.sh does.
# prove_psql SQL [DATABASE]
prove_psql() {
  local stack_dir="${STACK_DIR:-$ROOT/.stack}" psql
  psql=$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1) ||
    true
  [[ -n $psql ]] || { echo "prove: psql not found (scripts/stack.sh up installs PostgreSQL)" >&2; return 1; }
  local run=()
  [[ $EUID -ne 0 ]] || run=(runuser -u postgres --)
  (cd / && "${run[@]}" "$psql" -X -q -v ON_ERROR_STOP=1 -h "$stack_dir/pg-primary" \
    -p "${STACK_PG_PRIMARY_PORT:-55432}" -U postgres -d "${2:-postgres}" -c "$1")
}

prove_database_name() { printf 'prove_%s\n' "${1//-/_}"; }

# The owner's user name, from the URL migrations use.
prove_owner() { sed -E 's#^[a-z]+://([^:@/]+).*#\1#' <<<"${DATABASE_OWNER_URL:?prove: --e2e needs the stack URLs (see scripts/test.sh)}"; }

prove_database_create() {
  local db owner start=$SECONDS
  db=$(prove_database_name "$1")
  owner=$(prove_owner)
  prove_psql "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  prove_psql "CREATE DATABASE $db OWNER $owner"
  # As stack.sh does for the main database: the app role creates nothing, not even temp tables.
  prove_psql "REVOKE TEMPORARY ON DATABASE $db FROM PUBLIC"
  prove_psql "REVOKE CREATE ON SCHEMA public FROM PUBLIC" "$db"
  echo "prove $1: database $db created in $((SECONDS - start)) s"
}

prove_database_drop() { prove_psql "DROP DATABASE IF EXISTS $(prove_database_name "$1") WITH (FORCE)"; }

# prove_database_env LABEL CMD...: CMD with every database URL pointing at the proof's database
# and the copy's `stack.sh up` (run by the e2e global setup) finding this tree's running stack.
prove_database_env() {
  local db
  db=$(prove_database_name "$1")
  shift
  swap() { sed -E "s#/[A-Za-z0-9_]+(\?|,|\$)#/$db\1#g" <<<"$1"; }
  DATABASE_OWNER_URL=$(swap "$DATABASE_OWNER_URL") \
    DATABASE_PRIMARY_URL=$(swap "${DATABASE_PRIMARY_URL:?}") \
    DATABASE_REPLICA_URLS=$(swap "${DATABASE_REPLICA_URLS:?}") \
    STACK_DIR="${STACK_DIR:-$ROOT/.stack}" "$@"
}
