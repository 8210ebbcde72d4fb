#!/usr/bin/env bash
# Runs first in the npm scripts a user types (build, lint, test, and jest through scripts/jest.sh):
# one line saying what to do when the install is missing or the Node found is older than
# package.json's engines, instead of a "nest: not found" or a syntax error further down. Needs
# nothing from node_modules.
cd "$(dirname "$0")/.." || exit 1
# npm scripts already find the Node 24 that npm ci installed first on PATH; a direct call does too.
export PATH="$PWD/node_modules/.bin:$PATH"
if [ ! -x node_modules/.bin/nest ] || [ ! -x node_modules/.bin/jest ]; then
  echo "docscale: its dependencies are not installed: run 'npm ci' first (on Linux it also installs the Node 24 that every docscale process runs on)." >&2
  exit 1
fi
floor=$(sed -n 's/.*"node": ">=\([0-9]*\)\.\([0-9]*\)".*/\1 \2/p' package.json)
version=$(node --version 2>/dev/null || echo none)
read -r major minor _ <<<"$(tr '.' ' ' <<<"${version#v}")"
read -r need_major need_minor <<<"$floor"
if ! [ "${major:-0}" -gt "$need_major" ] 2>/dev/null &&
  ! { [ "${major:-0}" -eq "$need_major" ] && [ "${minor:-0}" -ge "$need_minor" ]; } 2>/dev/null; then
  echo "docscale: needs Node >=${need_major}.${need_minor} but 'node' here is ${version}: run 'npm ci' (it installs Node 24 into node_modules on Linux x64 and arm64), or elsewhere 'nvm install' / 'fnm use' / 'volta install node@24' in this folder (see .nvmrc)." >&2
  exit 1
fi
