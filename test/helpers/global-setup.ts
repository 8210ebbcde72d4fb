import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, stack } from '../../scripts/processes/stack';

/**
 * Once per e2e run: the local stack is up (idempotent) and the schema migrated, using the build
 * the suites test (scripts/test.sh builds first; globalSetup runs outside jest's module mapping).
 */
export default function globalSetup(): void {
  stack('up');
  execFileSync(process.execPath, [join(ROOT, 'dist/scripts/migrate.js')], { stdio: 'inherit' });
}
