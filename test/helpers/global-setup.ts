import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Once per e2e run: the local stack is up (idempotent) and the schema migrated, using the build
 * the suites test (scripts/test.sh builds first; globalSetup runs outside jest's module mapping).
 */
export default function globalSetup(): void {
  const root = join(__dirname, '../..');
  execFileSync('bash', [join(root, 'scripts/stack.sh'), 'up'], { stdio: 'ignore' });
  execFileSync(process.execPath, [join(root, 'dist/scripts/migrate.js')], { stdio: 'inherit' });
}
