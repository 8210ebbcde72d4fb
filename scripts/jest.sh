#!/usr/bin/env bash
# jest on the project's Node, able to require() ES modules: NestJS 12 and other current majors
# ship as ES modules only, and the compiled tests are CommonJS. Node 24 loads them natively
# (require(esm)); inside jest's module sandbox that needs the VM modules API, still behind
# --experimental-vm-modules (jestjs.io/docs/ecmascript-modules). Its one ExperimentalWarning per
# process is silenced; deprecation warnings stay visible. Workers inherit these flags.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/preflight.sh
# npm scripts already find the Node 24 that npm ci installed first on PATH; a direct call does too.
export PATH="$PWD/node_modules/.bin:$PATH"
exec node --experimental-vm-modules --disable-warning=ExperimentalWarning \
  node_modules/jest/bin/jest.js "$@"
