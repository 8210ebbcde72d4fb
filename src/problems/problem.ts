/** An RFC 9457 problem details object, as docscale sends it (`application/problem+json`). */
export interface Problem {
  /** `/problems/<slug>`, documented in docs/problems.md. */
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** For validation problems: which field, and why. */
  errors?: { field: string; reason: string }[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problem(
  status: number,
  slug: string,
  title: string,
  detail?: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return { type: `/problems/${slug}`, title, status, detail, ...extensions };
}
