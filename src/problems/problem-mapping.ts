/**
 * The one place that decides what a client sees when something fails: every error becomes an RFC
 * 9457 problem. Known errors map to a 4xx/503 with a stable type; anything else is a 500 whose body
 * says nothing about internals (the log has the stack, with the trace id).
 */
import { InvalidConsistencyTokenError, isDatabaseUnavailable } from '@docscale/database';
import { JobNotRetryableError, QueueFullError, QueueUnavailableError } from '@docscale/queue';
import {
  CircuitOpenError,
  OverloadedError,
  RateLimitedError,
  RateLimitUnavailableError,
} from '@docscale/resilience';
import { HttpException } from '@nestjs/common';
import {
  CollectionNotFoundError,
  CollectionVersionMismatchError,
} from '../collections/collection.errors';
import {
  DocumentNotFoundError,
  InvalidCursorError,
  InvalidPreconditionError,
  QuotaExceededError,
  VersionMismatchError,
} from '../documents/document.errors';
import { ArtifactNotFoundError, JobNotFoundError } from '../jobs/job.errors';
import {
  ApiKeyNotActiveError,
  ApiKeyNotFoundError,
  TenantNotFoundError,
} from '../tenants/api-key.errors';
import { Problem, problem } from './problem';
import {
  DependencyUnavailableError,
  InvalidAdminKeyError,
  InvalidApiKeyError,
  MalformedUrlError,
  MissingApiKeyError,
  ProblemTypeNotFoundError,
  TooManyFailedAuthenticationsError,
  ValidationError,
} from './problem.errors';

type Mapper = (err: Error) => Problem;

const unauthorized =
  (slug: string, title: string): Mapper =>
  (e) =>
    problem(401, slug, title, e.message);

/** A refusal that says when to come back: `Retry-After` is set from `retryAfterSeconds`. */
const retryLater =
  (
    status: 429 | 503,
    slug: string,
    title: string,
    extensions: (e: Error) => Record<string, unknown> = () => ({}),
  ): Mapper =>
  (e) =>
    problem(status, slug, title, e.message, {
      ...extensions(e),
      retryAfterSeconds: (e as Error & { retryAfterSeconds: number }).retryAfterSeconds,
    });

/** Known error classes, checked in order with instanceof. */
const known: [new (...args: never[]) => Error, Mapper][] = [
  [
    ValidationError,
    (e) =>
      problem(400, 'validation-failed', 'Request validation failed', e.message, {
        errors: (e as ValidationError).violations,
      }),
  ],
  [MissingApiKeyError, unauthorized('missing-api-key', 'API key required')],
  [InvalidApiKeyError, unauthorized('invalid-api-key', 'API key not valid')],
  [InvalidAdminKeyError, unauthorized('invalid-admin-key', 'Admin key required')],
  [
    QuotaExceededError,
    (e) => {
      const { quota, limit, usage } = e as QuotaExceededError;
      return problem(403, 'quota-exceeded', 'Quota exceeded', e.message, { quota, limit, usage });
    },
  ],
  [DocumentNotFoundError, (e) => problem(404, 'not-found', 'Document not found', e.message)],
  [CollectionNotFoundError, (e) => problem(404, 'not-found', 'Collection not found', e.message)],
  [ProblemTypeNotFoundError, (e) => problem(404, 'not-found', 'No such problem type', e.message)],
  [
    VersionMismatchError,
    (e) =>
      problem(412, 'version-mismatch', 'Document has changed', e.message, {
        currentVersion: (e as VersionMismatchError).currentVersion,
      }),
  ],
  [
    CollectionVersionMismatchError,
    (e) =>
      problem(412, 'version-mismatch', 'Collection has changed', e.message, {
        currentVersion: (e as CollectionVersionMismatchError).currentVersion,
      }),
  ],
  [
    InvalidPreconditionError,
    (e) => problem(400, 'invalid-precondition', 'Bad precondition header', e.message),
  ],
  [InvalidCursorError, (e) => problem(400, 'invalid-cursor', 'Invalid cursor', e.message)],
  [
    InvalidConsistencyTokenError,
    (e) => problem(400, 'invalid-consistency-token', 'Invalid consistency token', e.message),
  ],
  [
    DependencyUnavailableError,
    (e) => problem(503, 'dependency-unavailable', 'Temporarily unavailable', e.message),
  ],
  [JobNotFoundError, (e) => problem(404, 'job-not-found', 'Job not found', e.message)],
  [TenantNotFoundError, (e) => problem(404, 'tenant-not-found', 'Tenant not found', e.message)],
  [ApiKeyNotFoundError, (e) => problem(404, 'api-key-not-found', 'API key not found', e.message)],
  [
    ApiKeyNotActiveError,
    (e) =>
      problem(409, 'api-key-not-active', 'API key no longer works', e.message, {
        state: (e as ApiKeyNotActiveError).state,
      }),
  ],
  [
    ArtifactNotFoundError,
    (e) => problem(404, 'artifact-not-found', 'No artifact for this job', e.message),
  ],
  [
    JobNotRetryableError,
    (e) =>
      problem(409, 'job-not-retryable', 'Job is not failed', e.message, {
        state: (e as JobNotRetryableError).state,
      }),
  ],
  [QueueFullError, retryLater(503, 'queue-full', 'Too much work queued')],
  [
    QueueUnavailableError,
    (e) => problem(503, 'queue-unavailable', 'Temporarily unavailable', e.message),
  ],
  [
    RateLimitedError,
    retryLater(429, 'rate-limited', 'Too many requests', (e) => ({
      routeClass: (e as RateLimitedError).routeClass,
      limit: (e as RateLimitedError).limit,
    })),
  ],
  [
    TooManyFailedAuthenticationsError,
    retryLater(429, 'too-many-failed-authentications', 'Too many failed authentications', (e) => ({
      limit: (e as TooManyFailedAuthenticationsError).limit,
    })),
  ],
  [RateLimitUnavailableError, retryLater(503, 'rate-limit-unavailable', 'Temporarily unavailable')],
  [
    CircuitOpenError,
    retryLater(503, 'circuit-open', 'Temporarily unavailable', (e) => ({
      dependency: (e as CircuitOpenError).breaker,
    })),
  ],
  [
    OverloadedError,
    retryLater(503, 'overloaded', 'Overloaded', (e) => ({ reason: (e as OverloadedError).reason })),
  ],
  [
    MalformedUrlError,
    (e) => {
      const { status, message } = e as MalformedUrlError;
      return status === 414
        ? problem(414, 'uri-too-long', 'URI too long', message)
        : problem(400, 'malformed-url', 'Malformed URL', message);
    },
  ],
];

export function toProblem(err: unknown, bodyLimitBytes: number): Problem {
  if (!(err instanceof Error)) return internal();
  for (const [type, map] of known) if (err instanceof type) return map(err);

  if (err instanceof HttpException) return fromHttpException(err, bodyLimitBytes);
  if (isDatabaseUnavailable(err)) {
    const detail = 'The database is unavailable or overloaded right now; retry shortly.';
    return problem(503, 'database-unavailable', 'Temporarily unavailable', detail);
  }
  return internal();
}

/**
 * Nest hands Fastify's own errors (body parsing, raised before any handler runs) to the filters
 * as HttpExceptions carrying Fastify's status and message; the status tells them apart.
 */
function fromHttpException(err: HttpException, bodyLimitBytes: number): Problem {
  const status = err.getStatus();
  if (status === 400) return problem(400, 'malformed-body', 'Malformed request body', err.message);
  if (status === 413) {
    const detail = `The request body may be at most ${bodyLimitBytes} bytes.`;
    return problem(413, 'payload-too-large', 'Request body too large', detail);
  }
  if (status === 415) {
    const detail = 'Send JSON: Content-Type: application/json (or application/merge-patch+json).';
    return problem(415, 'unsupported-media-type', 'Unsupported content type', detail);
  }
  if (status === 404) return problem(404, 'not-found', 'Not found', 'No such route.');
  if (status === 405) return problem(405, 'method-not-allowed', 'Method not allowed');
  // Terminus reports a failed readiness check this way (the instance is shutting down); keep its
  // details for the operator.
  if (status === 503) {
    return problem(503, 'not-ready', 'Not ready', 'This instance is not taking traffic.', {
      health: err.getResponse(),
    });
  }
  if (status >= 500) return internal();
  return problem(status, 'bad-request', err.message, err.message);
}

function internal(): Problem {
  return problem(500, 'internal', 'Internal error', 'Something failed on our side; it is logged.');
}
