/**
 * The project's own text files, where pattern regions may sit: everything under the root except
 * installed or generated trees, binary files, and this engine (its tests quote markers).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', 'reports', '.stack', '.git']);
const ENGINE_DIR = join('scripts', 'patterns');
const MAX_BYTES = 1_000_000;

/** Paths (relative to `root`, `/`-separated) of the text files a region may sit in. */
export function projectTextFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(root, full);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && rel !== ENGINE_DIR) walk(full);
      } else if (entry.isFile() && statSync(full).size <= MAX_BYTES) {
        files.push(rel.split(sep).join('/'));
      }
    }
  };
  walk(root);
  return files.sort();
}

/** The file's text, or undefined for a binary file (a NUL byte in it). */
export function readText(root: string, file: string): string | undefined {
  const text = readFileSync(join(root, file), 'utf8');
  return text.includes('\0') ? undefined : text;
}

export function exists(root: string, path: string): boolean {
  return existsSync(join(root, path));
}

/** Source files' imports of `pkg` (`from 'pkg'`, `from 'pkg/sub'`, `require('pkg')`, `import('pkg')`). */
export function importsPackage(text: string, pkg: string): boolean {
  const quoted = pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(
    `(?:from\\s+|require\\(\\s*|import\\(\\s*|import\\s+)['"]${quoted}(?:/[^'"]*)?['"]`,
  ).test(text);
}
