/** The problems the database lib's errors become (composed by the app's one mapping, see pattern-kit). */
import { problemFor, problemWhen, type ProblemDescriptor } from '@docscale/pattern-kit';
import { InvalidConsistencyTokenError } from './consistency-token';
import { isDatabaseUnavailable } from './database-unavailable';

export const databaseProblems: ProblemDescriptor[] = [
  problemFor(InvalidConsistencyTokenError, {
    status: 400,
    slug: 'invalid-consistency-token',
    title: 'Invalid consistency token',
  }),
  // A driver's error, recognised by its code or message: its own words may name hosts or users.
  problemWhen(isDatabaseUnavailable, {
    status: 503,
    slug: 'database-unavailable',
    title: 'Temporarily unavailable',
    detail: () => 'The database is unavailable or overloaded right now; retry shortly.',
  }),
];
