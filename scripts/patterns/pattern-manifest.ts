/**
 * What `npm run pattern:remove -- <name>` deletes for one pattern. Whole files and folders, npm
 * dependencies and scripts, and JSON keys are listed here; lines inside shared files (a module
 * import, a config key, a doc's paragraph) are marked in place with `pattern:<name>:begin` …
 * `pattern:<name>:end` regions (markers.ts), so the manifest never restates another file's lines.
 */
export const PATTERN_NAMES = [
  'cache',
  'queue',
  'read-replicas',
  'rate-limit',
  'breakers',
  'shedding',
  'telemetry',
] as const;

export type PatternName = (typeof PATTERN_NAMES)[number];

export function isPatternName(name: string): name is PatternName {
  return (PATTERN_NAMES as readonly string[]).includes(name);
}

/** A key to delete from a JSON file: the file (from the project root) and the key's path in it. */
export interface JsonKey {
  file: string;
  path: string[];
}

/**
 * Items to drop from an array in a JSON file (a Grafana dashboard's panels): every item whose JSON
 * text contains one of `containing` (e.g. the metric names the pattern exports).
 */
export interface JsonItems {
  file: string;
  path: string[];
  containing: string[];
}

export interface PatternManifest {
  name: PatternName;
  /** One line for `--list`. */
  summary: string;
  /** Files and folders deleted with the pattern, relative to the project root. */
  paths: string[];
  /**
   * npm packages (dependencies or devDependencies) the pattern brought. Each is uninstalled only
   * when no file left in the project imports it after the removal (several patterns share ioredis).
   */
  dependencies: string[];
  /** npm scripts (package.json `scripts`) that only make sense with the pattern. */
  scripts: string[];
  /** Keys deleted from JSON files that cannot hold comments (nest-cli.json, tsconfig.json). */
  jsonKeys: JsonKey[];
  /** Array items dropped from JSON files (dashboard panels that query the pattern's metrics). */
  jsonItems?: JsonItems[];
  /**
   * Commands run in the project once the files are edited and the packages uninstalled, each as
   * argv: what regenerates a committed artefact the removal changes (e.g. docs/openapi.json when
   * a response goes with the pattern: `['npm', 'run', '-s', 'openapi']`).
   */
  afterwards: string[][];
  /** What the rest keeps or loses, printed after the removal (e.g. "the database lib calls through"). */
  notes: string[];
}
