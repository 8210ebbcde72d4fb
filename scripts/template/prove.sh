#!/usr/bin/env bash
# scripts/template/prove.sh: prove a whole-tree transform (template:init, pattern:remove) on a
# scratch copy, so CI shows that what a template user is left with still builds, lints and passes
# its tests, without touching this working tree.
#
# Usage: scripts/template/prove.sh <label> [--e2e "<test files>"] -- <command> [args...]
#   Copies this tree's tracked and untracked-not-ignored files (git ls-files -co --exclude-standard)
#   to a scratch directory (a git repository with the copy as its first commit, so the transform
#   may use git and its diff is printed), hard-links node_modules into it (cp -al: under a second,
#   no download; npm prune runs in the copy when the transform changed package.json's
#   dependencies, so an import of a removed package fails there as it would after npm ci), runs
#   <command> in the copy, then: npm run -s build, npm run -s lint, the unit and deploy tiers
#   (docker/, k8s/ and every Markdown link checked) and, with --e2e (or PROVE_E2E), those e2e
#   files against the running stack in a database of the proof's own (CREATE DATABASE
#   prove_<label>, dropped after): a transform changes the migrations, so the main database's
#   schema is not the copy's. Prints each step's duration; the first failing
#   step ends the proof with its name and exit status.
#
# Environment: PROVE_E2E (e2e files, as --e2e), PROVE_JEST_PROJECTS (jest projects run after
# lint, one step each: "unit deploy"), PROVE_JEST_RELATED=1 (the unit project runs only the specs
# whose imports reach a file the transform changed; deploy runs whole), PROVE_KEEP=1 (keep the
# copy and the database for a look), PROVE_DIR (parent of the copy, $TMPDIR or /tmp). For --e2e:
# DATABASE_OWNER_URL, DATABASE_PRIMARY_URL, DATABASE_REPLICA_URLS and REDIS_URL of the running
# stack (as scripts/test.sh exports them), and STACK_DIR/STACK_PG_* as for scripts/stack.sh (the
# copy's e2e setup reuses this tree's stack).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/template/prove-database.sh
source "$ROOT/scripts/template/prove-database.sh"

usage() { sed -n '6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
fail() { printf 'prove %s: FAILED: %s\n' "${label:-?}" "$*" >&2; exit 1; }

label="" e2e="${PROVE_E2E:-}"
while (($#)); do
  case $1 in
    --) shift; break ;;
    --e2e) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; e2e=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "prove: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) [[ -z $label ]] || { usage >&2; exit 2; }; label=$1; shift ;;
  esac
done
if [[ ! $label =~ ^[a-z0-9][a-z0-9-]*$ || $# -eq 0 ]]; then
  echo "prove: needs a label (lowercase letters, digits, dashes) and a command after --" >&2
  usage >&2
  exit 2
fi

# step NAME CMD...: run CMD in the copy, print its duration; a failure names the step.
step() {
  local name=$1 start=$SECONDS status=0
  shift
  echo "prove $label: $name ..."
  (cd "$copy" && "$@") || status=$?
  ((status == 0)) || fail "step '$name' exited $status (copy kept in $copy)"
  echo "prove $label: $name ok in $((SECONDS - start)) s"
}

total=$SECONDS
copy=$(mktemp -d "${PROVE_DIR:-${TMPDIR:-/tmp}}/docscale-prove-$label.XXXXXX")
cleanup() {
  local status=$?
  if [[ ${PROVE_KEEP:-} == 1 || $status -ne 0 ]]; then
    echo "prove $label: the copy stays in $copy" >&2
  else
    rm -rf "$copy"
  fi
  [[ -z $e2e || ${PROVE_KEEP:-} == 1 ]] || prove_database_drop "$label" || true
}
trap cleanup EXIT

start=$SECONDS
# -z and a loop: names with spaces survive, and a tracked file deleted in the tree is not copied.
(cd "$ROOT" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
  [[ -e $f ]] && printf '%s\0' "$f"
done | tar --null -T - -cf -) | tar -xf - -C "$copy"
cp -al "$ROOT/node_modules" "$copy/node_modules"
# npm rewrites its hidden lockfile in place; an own copy keeps a prune from reaching this tree's.
cp --remove-destination "$ROOT/node_modules/.package-lock.json" "$copy/node_modules/"
git -C "$copy" init -q
git -C "$copy" add -A
git -C "$copy" -c user.name=prove -c user.email=prove@localhost commit -q -m "before $label"
echo "prove $label: copied $(git -C "$copy" ls-files | wc -l) files to $copy in $((SECONDS - start)) s"

step "transform: $*" "$@"
git -C "$copy" add -A
git -C "$copy" diff --cached --shortstat | sed "s/^ */prove $label: transform: /"
# Only a change of what is installed needs a prune (template:init changes the package's name).
deps() {
  node -e 'const p = require(process.argv[1]);
    console.log(JSON.stringify([p.dependencies, p.devDependencies, p.optionalDependencies, p.overrides]))' "$1"
}
if [[ $(deps "$ROOT/package.json") != $(deps "$copy/package.json") ]]; then
  step "npm prune" npm prune --offline --no-audit --no-fund
fi
step build npm run -s build
step lint npm run -s lint
read -r -a projects <<<"${PROVE_JEST_PROJECTS:-unit deploy}"
for project in "${projects[@]}"; do
  related=()
  if [[ $project == unit && ${PROVE_JEST_RELATED:-} == 1 ]]; then
    # Only the specs whose imports reach a file the transform added or edited: every other spec is
    # the same code under the same test as in the main run (a deleted file's importers fail lint).
    # The deploy tier always runs whole: its specs read docker/, k8s/ and the docs, not imports.
    mapfile -t changed < <(git -C "$copy" diff --cached --name-only --diff-filter=AM HEAD -- '*.ts')
    echo "prove $label: unit specs related to ${#changed[@]} changed files"
    related=(--passWithNoTests --findRelatedTests "${changed[@]}")
  fi
  step "jest $project" bash scripts/jest.sh --selectProjects "$project" "${related[@]}"
done
if [[ -n $e2e ]]; then
  prove_database_create "$label"
  read -r -a files <<<"$e2e"
  step "e2e ${files[*]}" prove_database_env "$label" \
    bash scripts/jest.sh --selectProjects e2e --runInBand "${files[@]}"
fi
echo "prove $label: all steps ok in $((SECONDS - total)) s"
