/**
 * What removing one pattern would change in a project, computed before anything is written: every
 * file's regions are checked first, so markers out of order stop the removal with the project
 * untouched. `applyRemoval` (removal.ts) carries the plan out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { anchors, MarkdownLink, unlink } from './markdown-links';
import { removeRegions } from './markers';
import { deleteJsonKey, directDependencies, dropJsonItems, PackageJson } from './package-edits';
import { JsonItems, JsonKey, KeptFile, PatternManifest } from './pattern-manifest';
import { exists, importsPackage, projectTextFiles, readText } from './project-files';

const SOURCE = /\.(ts|js|mjs|cjs)$/;

export interface FileEdit {
  file: string;
  text: string;
  regions: number;
  /** Markdown links the removal broke, turned into their text (markdown-links.ts). */
  unlinked: number;
}

export interface RemovalPlan {
  manifest: PatternManifest;
  /**
   * Manifest paths that exist, and files every line of which goes with the pattern's regions
   * (e.g. a module several patterns shared, removed with the last of them).
   */
  deletions: string[];
  /** Files moved out of the deletions first (the manifest's `keep` whose source exists). */
  moves: KeptFile[];
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
  const moves = (manifest.keep ?? []).filter((kept) => exists(root, kept.from));
  const original = new Map<string, string>();
  const remaining = new Map<string, string>();
  const regions = new Map<string, number>();
  for (const file of projectTextFiles(root)) {
    if (isDeleted(file, deletions)) continue;
    const text = readText(root, file);
    if (text === undefined) continue;
    const edited = removeRegions(text, manifest.name, file);
    if (edited.regions && edited.text.trim() === '') {
      deletions.push(file);
      continue;
    }
    original.set(file, text);
    remaining.set(file, edited.text);
    if (edited.regions) regions.set(file, edited.regions);
  }
  const edits = fileEdits(remaining, regions, brokenBy(deletions, original, remaining));
  for (const edit of edits) remaining.set(edit.file, edit.text);
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
  return { manifest, deletions, moves, edits, scripts, jsonKeys, jsonItems, uninstall, kept };
}

/**
 * Whether the removal breaks a Markdown link: its file is deleted, or its heading went with a
 * region (a link that was broken before is left for the docs test to report).
 */
function brokenBy(
  deletions: string[],
  original: Map<string, string>,
  remaining: Map<string, string>,
): (link: MarkdownLink) => boolean {
  const headings = new Map<string, { before: Set<string>; after: Set<string> }>();
  const headingsOf = (file: string) => {
    let found = headings.get(file);
    if (!found) {
      found = {
        before: anchors(original.get(file) ?? ''),
        after: anchors(remaining.get(file) ?? ''),
      };
      headings.set(file, found);
    }
    return found;
  };
  return (link) => {
    if (isDeleted(link.path, deletions)) return true;
    if (!link.anchor || !link.path.endsWith('.md') || !remaining.has(link.path)) return false;
    const { before, after } = headingsOf(link.path);
    return before.has(link.anchor) && !after.has(link.anchor);
  };
}

/** Each file the removal changes: its regions gone and, in Markdown, its broken links unlinked. */
function fileEdits(
  remaining: Map<string, string>,
  regions: Map<string, number>,
  broken: (link: MarkdownLink) => boolean,
): FileEdit[] {
  const edits: FileEdit[] = [];
  for (const [file, text] of remaining) {
    const linked = file.endsWith('.md') ? unlink(text, file, broken) : { text, unlinked: 0 };
    const count = regions.get(file) ?? 0;
    if (count || linked.unlinked) edits.push({ file, ...linked, regions: count });
  }
  return edits;
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

const counted = (n: number, what: string) => `${n} ${what}${n > 1 ? 's' : ''}`;

function editSummary(edit: FileEdit): string {
  const parts = [];
  if (edit.regions) parts.push(counted(edit.regions, 'region'));
  if (edit.unlinked) parts.push(`${counted(edit.unlinked, 'broken link')} unlinked`);
  return parts.join(', ');
}

/** The plan as lines a person reads (`--dry-run`, and the log of a real removal). */
export function describePlan(plan: RemovalPlan): string[] {
  const lines = [
    ...plan.moves.map((m) => `keep     ${m.from} as ${m.to}`),
    ...plan.deletions.map((path) => `delete   ${path}`),
    ...plan.edits.map((e) => `edit     ${e.file} (${editSummary(e)})`),
    ...plan.jsonKeys.map((k) => `edit     ${k.file}: drop ${k.path.join('.')}`),
    ...plan.jsonItems.map((i) => `edit     ${i.file}: drop ${i.count} of ${i.path.join('.')}`),
    ...plan.scripts.map((name) => `script   drop npm script "${name}"`),
    ...plan.uninstall.map((name) => `npm      uninstall ${name}`),
    ...plan.kept.map((k) => `npm      keep ${k.name} (still imported by ${k.importedBy})`),
  ];
  return lines;
}
