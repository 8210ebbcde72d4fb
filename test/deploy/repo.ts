/**
 * What the deployables' tests share about the repository: where it is, and the validators
 * scripts/stack.sh provides.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');
export const DOCKER = join(ROOT, 'docker');

/**
 * The path of a validator the tests run (`scripts/stack.sh tool-bin promtool|amtool|kubectl`:
 * Debian's package, installed when missing and root). The last line of its output is the path.
 */
export function toolBin(name: 'promtool' | 'amtool' | 'kubectl'): string {
  const out = execFileSync('bash', [join(ROOT, 'scripts/stack.sh'), 'tool-bin', name], {
    encoding: 'utf8',
  });
  return out.trim().split('\n').pop() ?? '';
}
