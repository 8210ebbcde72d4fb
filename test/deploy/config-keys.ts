/**
 * The environment variables the service reads: the keys of the one config schema. The deployables
 * may set only these (a typo there would be silently ignored by the service, which falls back to
 * its local default), and the tests compare what docker/ and k8s/ set against this list.
 */
import { configSchema } from '../../src/config/config.schema';

export const configKeys: ReadonlySet<string> = new Set(Object.keys(configSchema.shape));

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
