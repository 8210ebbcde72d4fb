/**
 * How a lib tells the app what its errors mean to a client: per error, the RFC 9457 problem it
 * becomes (status, `type` slug, title, extra members, when to retry). The lib exports its list
 * from its index.ts; src/problems/problem-mapping.ts composes the lists and formats the body
 * (its `detail` is the error's message), so the app never imports a lib's error classes to map
 * them, and a lib deleted from libs/ takes its problems with it.
 */

export interface ProblemDescriptor<E extends Error = Error> {
  /** Whether this descriptor answers for `err`: an instanceof check, or a predicate. */
  matches(err: Error): err is E;
  status: number;
  /** The `type` is `/problems/<slug>`. */
  slug: string;
  title: string;
  /** The `detail`, when it is not the error's message (which may say too much). */
  detail?(err: E): string;
  /** Members beyond RFC 9457's, in the order the body lists them. */
  extra?(err: E): Record<string, unknown>;
  /** For a 429 or 503 that knows when to come back: `retryAfterSeconds`, and `Retry-After`. */
  retryAfterSeconds?(err: E): number;
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** The problem an error class (and its subclasses) becomes. */
export function problemFor<E extends Error>(
  error: ErrorClass<E>,
  problem: Omit<ProblemDescriptor<E>, 'matches'>,
): ProblemDescriptor {
  return { ...problem, matches: (err): err is E => err instanceof error };
}

/** The problem errors that `matches` recognises become (errors of a driver, not classes of ours). */
export function problemWhen(
  matches: (err: Error) => boolean,
  problem: Omit<ProblemDescriptor, 'matches'>,
): ProblemDescriptor {
  return { ...problem, matches: (err): err is Error => matches(err) };
}
