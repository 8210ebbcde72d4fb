/**
 * What removing one pattern would change in a project, computed before anything is written: every
 * file's regions are checked first, so markers out of order stop the removal with the project
 * untouched. `applyRemoval` (removal.ts) carries the plan out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeRegions } from './markers';
import { deleteJsonKey, directDependencies, dropJsonItems, PackageJson } from './package-edits';
import { JsonItems, JsonKey, PatternManifest } from './pattern-manifest';
import { exists, importsPackage, projectTextFiles, readText } from './project-files';

const SOURCE = /\.(ts|js|mjs|cjs)$/;

export interface FileEdit {
  file: string;
  text: string;
  regions: number;
}

export interface RemovalPlan {
  manifest: PatternManifest;
  /** Manifest paths that exist. */
  deletions: string[];
  /** Files with regions of the pattern, and their text without them. */
  edits: FileEdit[];
  scripts: string[];
  jsonKeys: JsonKey[];
  /** Array items to drop, with how many match now. */
  jsonItems: Array<JsonItems & { count: number }>;
  /** Manifest dependencies nothing left imports: uninstalled. */
  uninstall: string[];
  /** Manifest dependencies still imported by what remains (another pattern's file): kept. */
  kept: { name: string; importedBy: string }[];
}

/** Whether the path is one of `deletions` or inside one. */
export function isDeleted(path: string, deletions: string[]): boolean {
  return deletions.some((d) => path === d || path.startsWith(`${d.replace(/\/$/, '')}/`));
}

export function readPackageJson(root: string): PackageJson {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
}

export function planRemoval(root: string, manifest: PatternManifest): RemovalPlan {
  const deletions = manifest.paths.filter((path) => exists(root, path));
  const remaining = new Map<string, string>();
  const edits: FileEdit[] = [];
  for (const file of projectTextFiles(root)) {
    if (isDeleted(file, deletions)) continue;
    const text = readText(root, file);
    if (text === undefined) continue;
    const edited = removeRegions(text, manifest.name, file);
    if (edited.regions) edits.push({ file, ...edited });
    remaining.set(file, edited.text);
  }
  const pkg = readPackageJson(root);
  const scripts = manifest.scripts.filter((name) => pkg.scripts && name in pkg.scripts);
  const jsonKeys = manifest.jsonKeys.filter(
    (key) =>
      exists(root, key.file) &&
      !isDeleted(key.file, deletions) &&
      deleteJsonKey(JSON.parse(readFileSync(join(root, key.file), 'utf8')), key.path),
  );
  const jsonItems = (manifest.jsonItems ?? [])
    .filter((items) => exists(root, items.file) && !isDeleted(items.file, deletions))
    .map((items) => {
      const json: unknown = JSON.parse(readFileSync(join(root, items.file), 'utf8'));
      return { ...items, count: dropJsonItems(json, items.path, items.containing) };
    })
    .filter((items) => items.count > 0);
  const installed = directDependencies(pkg);
  const uninstall: string[] = [];
  const kept: RemovalPlan['kept'] = [];
  for (const name of manifest.dependencies.filter((dep) => installed.has(dep))) {
    const importer = [...remaining].find(
      ([file, text]) => SOURCE.test(file) && importsPackage(text, name),
    );
    if (importer) kept.push({ name, importedBy: importer[0] });
    else uninstall.push(name);
  }
  return { manifest, deletions, edits, scripts, jsonKeys, jsonItems, uninstall, kept };
}

/** False when the pattern is already gone: nothing of it is left to delete or edit. */
export function hasWork(plan: RemovalPlan): boolean {
  return (
    plan.deletions.length +
      plan.edits.length +
      plan.scripts.length +
      plan.jsonKeys.length +
      plan.uninstall.length >
    0
  );
}

/** The plan as lines a person reads (`--dry-run`, and the log of a real removal). */
export function describePlan(plan: RemovalPlan): string[] {
  const lines = [
    ...plan.deletions.map((path) => `delete   ${path}`),
    ...plan.edits.map((e) => `edit     ${e.file} (${e.regions} region${e.regions > 1 ? 's' : ''})`),
    ...plan.jsonKeys.map((k) => `edit     ${k.file}: drop ${k.path.join('.')}`),
    ...plan.jsonItems.map((i) => `edit     ${i.file}: drop ${i.count} of ${i.path.join('.')}`),
    ...plan.scripts.map((name) => `script   drop npm script "${name}"`),
    ...plan.uninstall.map((name) => `npm      uninstall ${name}`),
    ...plan.kept.map((k) => `npm      keep ${k.name} (still imported by ${k.importedBy})`),
  ];
  return lines;
}
