import { InvalidPreconditionError } from '../problems/problem.errors';

/**
 * ETags are the document version in quotes (`"3"`): the URL already names the document, and the
 * version changes exactly when the representation does.
 */
export const EntityTag = {
  of(version: number): string {
    return `"${version}"`;
  },

  /**
   * The versions an `If-Match` header allows: `'any'` for `*`, otherwise the listed strong tags.
   * Weak tags (`W/"3"`) never match, as RFC 9110 requires for If-Match.
   */
  parseIfMatch(header: string | undefined): number[] | 'any' {
    if (header === undefined) return 'any';
    if (header.trim() === '*') return 'any';
    return parseList(header, 'If-Match').flatMap((t) => (t.weak ? [] : [t.version]));
  },

  /** Whether `If-None-Match` matches the current version (weak comparison, RFC 9110). */
  noneMatchHits(header: string | undefined, version: number): boolean {
    if (header === undefined) return false;
    if (header.trim() === '*') return true;
    return parseList(header, 'If-None-Match').some((t) => t.version === version);
  },
};

function parseList(header: string, name: string): { weak: boolean; version: number }[] {
  const tags = header.split(',').map((part) => /^\s*(W\/)?"(\d{1,9})"\s*$/.exec(part));
  if (tags.some((m) => m === null)) throw new InvalidPreconditionError(name);
  return tags.map((m) => ({ weak: Boolean(m![1]), version: Number(m![2]) }));
}
