/**
 * `npm run pattern:remove -- <pattern>... [--dry-run]` and `npm run pattern:remove -- --list`:
 * removes a pattern from this project the way docs/patterns/<pattern>.md's "Remove it" describes.
 * Exit 0 when removed or already gone, 2 for a wrong command line, 1 when the markers are out of
 * order (nothing written) or a step such as npm failed.
 */
import { exitWithUsage, parseCommandLine } from '../command-line';
import { MANIFESTS } from './manifests';
import { isPatternName, PATTERN_NAMES, PatternName } from './pattern-manifest';
import { danglingMentions, applyRemoval, runInherited } from './removal';
import { describePlan, hasWork, planRemoval } from './removal-plan';

const USAGE = `usage: npm run pattern:remove -- <pattern>... [--dry-run]
       npm run pattern:remove -- --list

Removes a pattern: its lib (or its folder of a lib), its wiring and configuration keys (the
pattern:<name> regions of shared files), its docs, tests, deploy pieces and npm packages.
What remains builds, lints and passes its tests (CI proves each removal on a scratch copy).

patterns: ${PATTERN_NAMES.join(', ')}

options:
  --dry-run    print what would be deleted and edited; change nothing
  --list       each pattern, whether it is still here, and what it is
  -h, --help   this text

Removing a pattern that is already gone says so and exits 0.`;

function list(root: string) {
  for (const name of PATTERN_NAMES) {
    const state = hasWork(planRemoval(root, MANIFESTS[name])) ? 'present' : 'removed';
    console.log(`${name.padEnd(14)} ${state.padEnd(8)} ${MANIFESTS[name].summary}`);
  }
}

function remove(root: string, name: PatternName, dryRun: boolean) {
  const plan = planRemoval(root, MANIFESTS[name]);
  if (!hasWork(plan)) {
    console.log(`${name}: already removed (nothing of it is left in this project).`);
    return;
  }
  console.log(`${dryRun ? 'Would remove' : 'Removing'} ${name}:`);
  for (const line of describePlan(plan)) console.log(`  ${line}`);
  if (dryRun) return;
  applyRemoval(root, plan, runInherited(root));
  for (const note of plan.manifest.notes) console.log(`  note: ${note}`);
  const dangling = danglingMentions(root, plan);
  if (dangling.length) {
    console.warn(
      `  warning: these lines still name what was deleted (a pattern:${name} region missing?):`,
    );
    for (const line of dangling) console.warn(`    ${line}`);
  }
  console.log(`${name} removed. Next: npm run lint && npm run test:unit`);
}

function main() {
  const { values, positionals } = parseCommandLine(USAGE, {
    'dry-run': { type: 'boolean' },
    list: { type: 'boolean' },
  });
  const root = process.cwd();
  if (values.list) return list(root);
  if (!positionals.length) exitWithUsage(USAGE, 'Name the pattern to remove.');
  const unknown = positionals.filter((name) => !isPatternName(name));
  if (unknown.length) exitWithUsage(USAGE, `Unknown pattern: ${unknown.join(', ')}.`);
  try {
    for (const name of positionals as PatternName[]) remove(root, name, values['dry-run'] ?? false);
  } catch (err) {
    // A MarkerError names the file and line; npm's own output is above its failure.
    console.error(`pattern:remove stopped: ${(err as Error).message}`);
    process.exit(1);
  }
}

main();
