/**
 * package.json edits that npm does not make itself: the pattern's npm scripts, and the overrides
 * that pin or point at a package being uninstalled (npm refuses an override referring, with `$name`,
 * to a package that is no longer a direct dependency).
 */
export interface PackageJson {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Direct dependencies and devDependencies. */
export function directDependencies(pkg: PackageJson): Set<string> {
  return new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.devDependencies ?? {}),
  ]);
}

/** Deletes the named scripts; returns those that were there. */
export function dropScripts(pkg: PackageJson, names: string[]): string[] {
  const dropped = names.filter((name) => pkg.scripts && name in pkg.scripts);
  for (const name of dropped) delete pkg.scripts?.[name];
  return dropped;
}

/**
 * Deletes the overrides of `removed` packages and every override that refers to one (`"$name"`),
 * and an override object left empty by that; returns what was deleted, as `a > b` paths.
 */
export function dropOverrides(pkg: PackageJson, removed: string[]): string[] {
  const gone = new Set(removed);
  const dropped: string[] = [];
  const prune = (node: Record<string, unknown>, trail: string[]) => {
    for (const [key, value] of Object.entries(node)) {
      const path = [...trail, key];
      if (
        gone.has(key) ||
        (typeof value === 'string' && gone.has(value.replace(/^\$/, '')) && value.startsWith('$'))
      ) {
        delete node[key];
        dropped.push(path.join(' > '));
      } else if (value && typeof value === 'object') {
        prune(value as Record<string, unknown>, path);
        if (Object.keys(value).length === 0) {
          delete node[key];
          dropped.push(path.join(' > '));
        }
      }
    }
  };
  if (pkg.overrides) prune(pkg.overrides, []);
  return dropped;
}

/** Deletes `path` from a parsed JSON object; true when it was there. */
export function deleteJsonKey(json: Record<string, unknown>, path: string[]): boolean {
  let node: unknown = json;
  for (const key of path.slice(0, -1)) {
    if (!node || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[key];
  }
  const last = path[path.length - 1];
  if (!node || typeof node !== 'object' || !(last in node)) return false;
  delete (node as Record<string, unknown>)[last];
  return true;
}

/** Drops the items of the array at `path` whose JSON text contains one of `containing`; returns how many. */
export function dropJsonItems(json: unknown, path: string[], containing: string[]): number {
  let node: unknown = json;
  for (const key of path.slice(0, -1)) {
    if (!node || typeof node !== 'object') return 0;
    node = (node as Record<string, unknown>)[key];
  }
  const holder = node as Record<string, unknown> | undefined;
  const last = path[path.length - 1];
  const items = holder?.[last];
  if (!Array.isArray(items)) return 0;
  const kept = items.filter(
    (item) => !containing.some((text) => JSON.stringify(item).includes(text)),
  );
  (holder as Record<string, unknown>)[last] = kept;
  return items.length - kept.length;
}
