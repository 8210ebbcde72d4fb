/** The problems the resilience errors become (composed by the app's one mapping, see pattern-kit). */
import { problemFor, type ProblemDescriptor } from '@docscale/pattern-kit';
import { OverloadedError } from './overloaded.error';
import { RateLimitedError, RateLimitUnavailableError } from './rate-limit/rate-limit.errors'; // pattern:rate-limit
import { CircuitOpenError } from './resilience.errors'; // pattern:breakers

export const resilienceProblems: ProblemDescriptor[] = [
  // pattern:rate-limit:begin
  problemFor(RateLimitedError, {
    status: 429,
    slug: 'rate-limited',
    title: 'Too many requests',
    extra: (e) => ({ routeClass: e.routeClass, limit: e.limit }),
    retryAfterSeconds: (e) => e.retryAfterSeconds,
  }),
  problemFor(RateLimitUnavailableError, {
    status: 503,
    slug: 'rate-limit-unavailable',
    title: 'Temporarily unavailable',
    retryAfterSeconds: (e) => e.retryAfterSeconds,
  }),
  // pattern:rate-limit:end
  // pattern:breakers:begin
  problemFor(CircuitOpenError, {
    status: 503,
    slug: 'circuit-open',
    title: 'Temporarily unavailable',
    extra: (e) => ({ dependency: e.breaker }),
    retryAfterSeconds: (e) => e.retryAfterSeconds,
  }),
  // pattern:breakers:end
  problemFor(OverloadedError, {
    status: 503,
    slug: 'overloaded',
    title: 'Overloaded',
    extra: (e) => ({ reason: e.reason }),
    retryAfterSeconds: (e) => e.retryAfterSeconds,
  }),
];
