#!/usr/bin/env bash
# `npm test`: unit tests, then the e2e suites against the real local stack (started if not
# running) and real API/worker processes built from this tree.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/stack.sh up >/dev/null
npm run -s build
npx jest --selectProjects unit "$@"
# e2e files start their own API processes: one file at a time keeps them off each other's cores.
npx jest --selectProjects e2e --runInBand "$@"
