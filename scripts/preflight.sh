#!/usr/bin/env bash
# Runs first in the npm scripts a user types (build, test, lint, start): one line saying what to
# do when the install is missing or the Node on PATH is older than the project's, instead of a
# "nest: not found" or a syntax error further down. Needs nothing from node_modules.
cd "$(dirname "$0")/.." || exit 1
if [ ! -x node_modules/.bin/nest ] || [ ! -x node_modules/.bin/jest ]; then
  echo "docscale: its dependencies are not installed: run 'npm ci' first (on Linux it also installs the Node 24 that every docscale process runs on)." >&2
  exit 1
fi
version=$(node --version 2>/dev/null || echo none)
major=${version#v}
major=${major%%.*}
if ! [ "$major" -ge 24 ] 2>/dev/null; then
  echo "docscale: needs Node 24 but 'node' here is ${version}: run 'npm ci' (it installs Node 24 into node_modules on Linux x64 and arm64), or elsewhere 'nvm install' / 'fnm use' / 'volta install node@24' in this folder (see .nvmrc)." >&2
  exit 1
fi
