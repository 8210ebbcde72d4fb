#!/usr/bin/env bash
# `npm test`: unit tests, then the e2e suites against the real local stack (started if not
# running) and real API/worker processes built from this tree. The stack's URLs are exported, so
# a stack on other ports (STACK_PG_PRIMARY_PORT, ...; CI uses its own) is the one tested. The
# processes connect as the app role; migrations and test fixtures as the owner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/preflight.sh

urls=$(bash scripts/stack.sh up)
DATABASE_PRIMARY_URL=$(sed -n 's/^DATABASE_PRIMARY_URL=//p' <<<"$urls")
DATABASE_REPLICA_URLS=$(sed -n 's/^DATABASE_REPLICA_URL=//p' <<<"$urls")
DATABASE_OWNER_URL=$(sed -n 's/^DATABASE_OWNER_URL=//p' <<<"$urls")
REDIS_URL=$(sed -n 's/^REDIS_URL=//p' <<<"$urls")
export DATABASE_PRIMARY_URL DATABASE_REPLICA_URLS DATABASE_OWNER_URL REDIS_URL

npm run -s build
bash scripts/jest.sh --selectProjects unit deploy "$@"
# e2e files start their own API processes: one file at a time keeps them off each other's cores.
bash scripts/jest.sh --selectProjects e2e --runInBand "$@"
