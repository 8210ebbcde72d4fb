/**
 * `npm run template:init -- --name <service>`: renames the service in the whole tree (package
 * name, metric and Redis key prefixes, environment variables, images, compose project,
 * Kubernetes names and labels, Grafana and Prometheus names, Postgres roles and database, the
 * `@<name>/<lib>` import scope, docs), in the files git tracks plus new ones it does not ignore.
 * The current name is package.json's, so running it twice, or again on a renamed tree, only
 * changes what still carries the old name. It works on the current directory (npm runs scripts
 * in the package's root), never on the tree its compiled code came from.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { format, getFileInfo, resolveConfig } from 'prettier';
import { exitWithUsage, parseCommandLine } from '../command-line';
import { renamer } from './rename-text';
import { serviceName, ServiceNameError, type ServiceName } from './service-name';

const USAGE = `usage: npm run template:init -- --name <service> [--dry-run]

Renames the service everywhere the tree carries its name (package, metrics, Redis keys,
environment variables, images, compose, Kubernetes, dashboards, alerts, Postgres roles, docs).
<service> is lowercase kebab-case, e.g. acme-notes. --dry-run lists what would change.
Safe to repeat: the current name is read from package.json.`;

// The renamer's own sources and tests spell the original name on purpose (examples, fixtures).
const KEPT = ['scripts/template/'];
const NEVER = new Set(['node_modules', 'dist', '.git', 'coverage', 'reports']);

interface Change {
  path: string;
  newPath: string;
  text: string;
  lines: number;
}

/** Tracked and untracked-not-ignored files; a tree outside git: every file but build output. */
function treeFiles(root: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '-co', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\0').filter((f) => f && existsSync(join(root, f)));
  } catch {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(root, join(e.parentPath, e.name)))
      .filter((f) => !NEVER.has(f.split('/')[0]) && !f.startsWith('.stack'));
  }
}

/**
 * A longer or shorter name moves line ends and table columns: the files prettier formats are
 * formatted again, as `npm run lint` expects them (it checks them with the same configuration).
 */
async function formatted(root: string, path: string, text: string): Promise<string> {
  const file = join(root, path);
  const info = await getFileInfo(file, { ignorePath: join(root, '.prettierignore') });
  if (info.ignored || !info.inferredParser) return text;
  return format(text, { ...(await resolveConfig(file)), filepath: file });
}

async function planRename(root: string, from: ServiceName, to: ServiceName): Promise<Change[]> {
  const rename = renamer(from, to);
  const changes: Change[] = [];
  for (const path of treeFiles(root)) {
    if (KEPT.some((prefix) => path.startsWith(prefix))) continue;
    const bytes = readFileSync(join(root, path));
    if (bytes.includes(0)) continue; // binary
    const before = bytes.toString('utf8');
    const renamed = rename(before, path);
    const text = renamed === before ? before : await formatted(root, path, renamed);
    const newPath = rename(path, path);
    if (text === before && newPath === path) continue;
    const old = before.split('\n');
    const lines = text.split('\n').filter((line, i) => line !== old[i]).length;
    changes.push({ path, newPath, text, lines });
  }
  return changes;
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(USAGE, {
    name: { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  const root = process.cwd();
  if (!existsSync(join(root, 'package.json'))) {
    exitWithUsage(USAGE, `no package.json in ${root}: run it from the service's root folder`);
  }
  if (!values.name) exitWithUsage(USAGE, 'give the new name with --name <service>');
  let from: ServiceName;
  let to: ServiceName;
  try {
    to = serviceName(values.name);
    const current = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }
    ).name;
    try {
      from = serviceName(current);
    } catch (err) {
      throw new ServiceNameError(`package.json's name: ${(err as Error).message}`);
    }
  } catch (err) {
    if (err instanceof ServiceNameError) exitWithUsage(USAGE, err.message);
    throw err;
  }
  if (from.kebab === to.kebab) {
    console.log(`template:init: the service is already named ${to.kebab}; nothing to change`);
    return;
  }
  // package.json names the current service: written last, so a run that fails part-way (a full
  // disk) leaves it naming the old one, and a second run finishes the rename.
  const changes = (await planRename(root, from, to)).sort(
    (a, b) => Number(isNameFile(a.path)) - Number(isNameFile(b.path)),
  );
  const dryRun = values['dry-run'] === true;
  for (const c of changes) {
    const moved = c.newPath === c.path ? '' : ` -> ${c.newPath}`;
    console.log(`${dryRun ? 'would change' : 'changed'} ${c.path}${moved} (${c.lines} lines)`);
    if (dryRun) continue;
    writeFileSync(join(root, c.path), c.text);
    if (moved) {
      mkdirSync(dirname(join(root, c.newPath)), { recursive: true });
      renameSync(join(root, c.path), join(root, c.newPath));
    }
  }
  const what = `${changes.length} files, ${from.kebab} -> ${to.kebab}`;
  console.log(dryRun ? `template:init: dry run, ${what}` : `template:init: renamed ${what}`);
  if (!dryRun && existsSync(join(root, '.stack'))) {
    console.log(
      'The local stack in .stack/ has the old role and database names: run ' +
        '`npm run stack:down && rm -rf .stack` (its data is lost) before the next `npm run stack:up`.',
    );
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    // An unreadable file or a failed write: say which, without a stack trace.
    console.error(`template:init: ${err.message}`);
    process.exit(1);
  });
}

function isNameFile(path: string): boolean {
  return path === 'package.json' || path === 'package-lock.json';
}
