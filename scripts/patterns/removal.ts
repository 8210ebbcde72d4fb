/**
 * Carries out a RemovalPlan: deletes the pattern's files, writes the shared files without its
 * regions, edits package.json and the JSON files, uninstalls its npm packages (package.json and
 * package-lock.json together, from npm's cache when it can), then lets prettier tidy what it
 * touched, and runs the manifest's `afterwards` commands. Finally it looks for what still names a deleted file: a marker someone forgot.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deleteJsonKey, dropJsonItems, dropOverrides, dropScripts } from './package-edits';
import { projectTextFiles, readText } from './project-files';
import { readPackageJson, RemovalPlan } from './removal-plan';

/** Runs a command in the project; throws when it fails. Injected so tests need no npm. */
export type Run = (command: string, args: string[]) => void;

export const runInherited =
  (root: string): Run =>
  (command, args) => {
    const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) {
      throw new Error(
        `${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`,
      );
    }
  };

function writeJson(root: string, file: string, json: unknown) {
  writeFileSync(join(root, file), `${JSON.stringify(json, null, 2)}\n`);
}

/** Applies the plan; returns the files it wrote (for prettier and the log). */
export function applyRemoval(root: string, plan: RemovalPlan, run: Run): string[] {
  for (const path of plan.deletions) rmSync(join(root, path), { recursive: true, force: true });
  for (const edit of plan.edits) writeFileSync(join(root, edit.file), edit.text);
  const touched = plan.edits.map((e) => e.file);
  for (const key of plan.jsonKeys) {
    const json = JSON.parse(readFileSync(join(root, key.file), 'utf8')) as Record<string, unknown>;
    deleteJsonKey(json, key.path);
    writeJson(root, key.file, json);
    touched.push(key.file);
  }
  for (const items of plan.jsonItems) {
    const json: unknown = JSON.parse(readFileSync(join(root, items.file), 'utf8'));
    dropJsonItems(json, items.path, items.containing);
    writeJson(root, items.file, json);
    touched.push(items.file);
  }
  const pkg = readPackageJson(root);
  const changed = dropScripts(pkg, plan.scripts).length + dropOverrides(pkg, plan.uninstall).length;
  if (changed) {
    writeJson(root, 'package.json', pkg);
    touched.push('package.json');
  }
  if (plan.uninstall.length) {
    // --prefer-offline: the lockfile already names every tarball that stays; npm only prunes.
    run('npm', [
      'uninstall',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--prefer-offline',
      ...plan.uninstall,
    ]);
    touched.push('package.json', 'package-lock.json');
  }
  const unique = [...new Set(touched)].filter((file) => existsSync(join(root, file)));
  const prettier = join(root, 'node_modules', '.bin', 'prettier');
  const formattable = unique.filter((file) => file !== 'package-lock.json');
  if (formattable.length && existsSync(prettier)) {
    run(prettier, ['--write', '--ignore-unknown', '--log-level', 'warn', ...formattable]);
  }
  for (const [command, ...args] of plan.manifest.afterwards) run(command, args);
  return unique;
}

/** What a deleted path is called elsewhere: a file by its name, a lib also by its import alias. */
function namesOf(path: string): string[] {
  const lib = /^libs\/([a-z-]+)\/?$/.exec(path);
  if (lib) return [path.replace(/\/$/, ''), `@docscale/${lib[1]}`];
  const name = basename(path);
  return name.includes('.') ? [name] : [path.replace(/\/$/, '')];
}

/** `file:line: name` for each line that still names a deleted path (up to `limit`). */
export function danglingMentions(root: string, plan: RemovalPlan, limit = 20): string[] {
  const names = plan.deletions.flatMap(namesOf);
  const found: string[] = [];
  if (!names.length) return found;
  for (const file of projectTextFiles(root)) {
    if (file === 'package-lock.json') continue;
    const text = readText(root, file);
    if (!text || !names.some((n) => text.includes(n))) continue;
    text.split('\n').forEach((line, i) => {
      const name = names.find((n) => line.includes(n));
      if (name && found.length < limit) found.push(`${file}:${i + 1}: ${name}`);
    });
  }
  return found;
}
