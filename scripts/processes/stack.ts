/**
 * The local stack (scripts/stack.sh) as the scripts and the e2e suites drive it: up, status, and
 * the fault injections (`stop-member redis`, `replica-delay 2000`).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository root, from scripts/processes/ (ts-jest) or dist/scripts/processes/ (the build). */
export const ROOT = join(__dirname, __dirname.includes('/dist/') ? '../../..' : '../..');

export const STACK = join(ROOT, 'scripts/stack.sh');

/**
 * `scripts/stack.sh <args>`, quietly: e.g. `stop-member redis` in a fault test. The environment is
 * inherited, so STACK_* pick the stack this run uses.
 */
export function stack(...args: string[]): void {
  execFileSync('bash', [STACK, ...args], { stdio: 'ignore' });
}

/** Whether the local stack already runs (so a script that starts it knows to stop it after). */
export function stackIsUp(): boolean {
  try {
    stack('status');
    return true;
  } catch {
    return false;
  }
}
