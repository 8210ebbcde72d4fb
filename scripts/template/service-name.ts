/**
 * A service's name in each spelling the tree needs. The name is given once in kebab-case (the
 * npm package, images, Kubernetes objects, hostnames, prose); identifiers that cannot hold a dash
 * take the other forms: snake_case for Postgres roles and databases, metric names, recording
 * rules and Redis keys, UPPER_SNAKE for environment variables, PascalCase inside code identifiers
 * and alert names, and Title Case for document titles.
 */

export interface ServiceName {
  kebab: string;
  snake: string;
  upper: string;
  pascal: string;
  title: string;
}

/** A name that cannot be used, with the reason to print (exit 2 with the usage). */
export class ServiceNameError extends Error {}

/**
 * Kubernetes object names are DNS labels of at most 63 characters and the longest docscale
 * derives is the name plus "-upstream-servers" (17); Postgres identifiers stop at 63 bytes.
 * 40 leaves room for both and for the suffixes a user adds.
 */
export const MAX_NAME_LENGTH = 40;
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
// Names the Postgres roles derived from the service (<snake> and <snake>_app) cannot take: the
// stack's superuser, roles Postgres reserves (pg_*) and words it only accepts quoted.
const RESERVED = new Set(['postgres', 'public', 'user', 'all', 'select', 'table', 'default']);

export function serviceName(raw: string): ServiceName {
  const kebab = raw.trim();
  if (kebab.length < 2 || kebab.length > MAX_NAME_LENGTH) {
    throw new ServiceNameError(
      `the name "${kebab}" has ${kebab.length} characters; use 2 to ${MAX_NAME_LENGTH}`,
    );
  }
  if (!KEBAB.test(kebab)) {
    throw new ServiceNameError(
      `the name "${kebab}" is not lowercase kebab-case: a letter first, then lowercase letters, ` +
        'digits and single dashes between words (e.g. acme-notes)',
    );
  }
  const words = kebab.split('-');
  if (RESERVED.has(words.join('_')) || words[0] === 'pg') {
    throw new ServiceNameError(
      `the name "${kebab}" would make a Postgres role Postgres reserves or refuses; pick another`,
    );
  }
  const capital = (word: string) => word[0].toUpperCase() + word.slice(1);
  return {
    kebab,
    snake: words.join('_'),
    upper: words.join('_').toUpperCase(),
    pascal: words.map(capital).join(''),
    title: words.map(capital).join(' '),
  };
}
