/**
 * The local stack's admin key (ADMIN_API_KEY for the demo's and the experiments' processes):
 * random, made on first use and kept in <STACK_DIR>/admin-api-key (readable by its owner only), so
 * that a demo is never run with a key everyone knows from the docs. ADMIN_API_KEY in the
 * environment wins. The configuration's built-in default stays for tests, and is refused with
 * NODE_ENV=production.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_DIR } from './balancer';

export const ADMIN_KEY_FILE = join(STACK_DIR, 'admin-api-key');

export function localAdminKey(): string {
  if (process.env.ADMIN_API_KEY) return process.env.ADMIN_API_KEY;
  mkdirSync(STACK_DIR, { recursive: true });
  // Written aside, then linked into place: the link fails if the file exists, so the key is made
  // once, and a process starting at the same moment never reads a half-written one.
  const draft = `${ADMIN_KEY_FILE}.${process.pid}`;
  writeFileSync(draft, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  try {
    linkSync(draft, ADMIN_KEY_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(draft, { force: true });
  }
  return readFileSync(ADMIN_KEY_FILE, 'utf8').trim();
}
