/**
 * The environment variables the service reads: the keys of the one config schema. The deployables
 * may set only these (a typo there would be silently ignored by the service, which falls back to
 * its local default), and the tests compare what docker/ and k8s/ set against this list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '../../src/config/config.schema';
import { ROOT } from './repo';

export const configKeys: ReadonlySet<string> = new Set(Object.keys(configSchema.shape));

/**
 * Each lib's own keys, by lib folder: the keys its fragment (`libs/<lib>/src/<lib>.config.ts`)
 * declares, read from the source so that a lib deleted from libs/ simply drops out.
 */
export function libConfigKeys(): Map<string, string[]> {
  const owned = new Map<string, string[]>();
  for (const lib of readdirSync(join(ROOT, 'libs'))) {
    const dir = join(ROOT, 'libs', lib, 'src');
    const fragment = readdirSync(dir).find((f) => f === `${lib}.config.ts`);
    if (!fragment) continue;
    const source = readFileSync(join(dir, fragment), 'utf8');
    const keys = [...source.matchAll(/^ {4}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]);
    owned.set(
      lib,
      keys.filter((k) => configKeys.has(k)),
    );
  }
  return owned;
}

/** A value of the right shape for a secret that is not in git (long enough for every key). */
export const STAND_IN_SECRET = 'a-secret-of-32-characters-000000';

/**
 * What is wrong with an environment a deployable gives a docscale process: keys the service does
 * not read, then the config schema's issues (cross-key rules included). Compose's `${VAR...}`
 * interpolations (filled from docker/.env) are replaced with STAND_IN_SECRET first.
 */
export function configProblems(env: Record<string, string>): string[] {
  const filled = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[^}]+\}/g, STAND_IN_SECRET)]),
  );
  const unknown = Object.keys(filled)
    .filter((k) => !configKeys.has(k))
    .map((k) => `unknown key ${k}`);
  const issues = (configSchema.safeParse(filled).error?.issues ?? []).map(
    (i) => `${i.path.join('.')}: ${i.message}`,
  );
  return [...unknown, ...issues];
}
