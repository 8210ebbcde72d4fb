import { relative } from 'node:path';

/**
 * The Node runtime this process runs on, for the demo banner and the bench and experiment
 * headers: figures are only comparable between runs on the same runtime (Node 24 serves a cached
 * read with about a third less CPU than Node 20: docs/runtime.md), and `npm ci` installs its own Node 24 into
 * node_modules, which may not be the `node` a user's shell finds.
 */
export function describeRuntime(): string {
  const where = relative(process.cwd(), process.execPath);
  return `Node ${process.version} (${where.startsWith('..') ? process.execPath : where})`;
}
