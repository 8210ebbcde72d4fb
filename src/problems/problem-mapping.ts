/**
 * The one place that decides what a client sees when something fails: every error becomes an RFC
 * 9457 problem. Known errors map to a 4xx/503 with a stable type; anything else is a 500 whose body
 * says nothing about internals (the log has the stack, with the trace id). Each lib describes its
 * own errors (its `…Problems` list, see libs/pattern-kit); this file composes the lists with the
 * app's own.
 */
import { databaseProblems } from '@docscale/database';
import { problemFor, problemWhen, type ProblemDescriptor } from '@docscale/pattern-kit';
import { queueProblems } from '@docscale/queue'; // pattern:queue
import { resilienceProblems } from '@docscale/resilience';
import { HttpException } from '@nestjs/common';
import {
  CollectionNotFoundError,
  CollectionVersionMismatchError,
} from '../collections/collection.errors';
import {
  DocumentNotFoundError,
  QuotaExceededError,
  VersionMismatchError,
} from '../documents/document.errors';
import { ArtifactNotFoundError, JobNotFoundError } from '../documents/jobs/job.errors'; // pattern:queue
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
  InvalidCursorError,
  InvalidPreconditionError,
  MalformedUrlError,
  MissingApiKeyError,
  ProblemTypeNotFoundError,
  TooManyFailedAuthenticationsError, // pattern:rate-limit
  ValidationError,
} from './problem.errors';

/** The app's own errors. */
const appProblems: ProblemDescriptor[] = [
  problemFor(ValidationError, {
    status: 400,
    slug: 'validation-failed',
    title: 'Request validation failed',
    extra: (e) => ({ errors: e.violations }),
  }),
  problemFor(MissingApiKeyError, {
    status: 401,
    slug: 'missing-api-key',
    title: 'API key required',
  }),
  problemFor(InvalidApiKeyError, {
    status: 401,
    slug: 'invalid-api-key',
    title: 'API key not valid',
  }),
  problemFor(InvalidAdminKeyError, {
    status: 401,
    slug: 'invalid-admin-key',
    title: 'Admin key required',
  }),
  problemFor(QuotaExceededError, {
    status: 403,
    slug: 'quota-exceeded',
    title: 'Quota exceeded',
    extra: ({ quota, limit, usage }) => ({ quota, limit, usage }),
  }),
  problemFor(DocumentNotFoundError, {
    status: 404,
    slug: 'not-found',
    title: 'Document not found',
  }),
  problemFor(CollectionNotFoundError, {
    status: 404,
    slug: 'not-found',
    title: 'Collection not found',
  }),
  problemFor(ProblemTypeNotFoundError, {
    status: 404,
    slug: 'not-found',
    title: 'No such problem type',
  }),
  problemFor(VersionMismatchError, {
    status: 412,
    slug: 'version-mismatch',
    title: 'Document has changed',
    extra: (e) => ({ currentVersion: e.currentVersion }),
  }),
  problemFor(CollectionVersionMismatchError, {
    status: 412,
    slug: 'version-mismatch',
    title: 'Collection has changed',
    extra: (e) => ({ currentVersion: e.currentVersion }),
  }),
  problemFor(InvalidPreconditionError, {
    status: 400,
    slug: 'invalid-precondition',
    title: 'Bad precondition header',
  }),
  problemFor(InvalidCursorError, { status: 400, slug: 'invalid-cursor', title: 'Invalid cursor' }),
  problemFor(DependencyUnavailableError, {
    status: 503,
    slug: 'dependency-unavailable',
    title: 'Temporarily unavailable',
  }),
  problemFor(JobNotFoundError, { status: 404, slug: 'job-not-found', title: 'Job not found' }), // pattern:queue
  problemFor(TenantNotFoundError, {
    status: 404,
    slug: 'tenant-not-found',
    title: 'Tenant not found',
  }),
  problemFor(ApiKeyNotFoundError, {
    status: 404,
    slug: 'api-key-not-found',
    title: 'API key not found',
  }),
  problemFor(ApiKeyNotActiveError, {
    status: 409,
    slug: 'api-key-not-active',
    title: 'API key no longer works',
    extra: (e) => ({ state: e.state }),
  }),
  // pattern:queue:begin
  problemFor(ArtifactNotFoundError, {
    status: 404,
    slug: 'artifact-not-found',
    title: 'No artifact for this job',
  }),
  // pattern:queue:end
  // pattern:rate-limit:begin
  problemFor(TooManyFailedAuthenticationsError, {
    status: 429,
    slug: 'too-many-failed-authentications',
    title: 'Too many failed authentications',
    extra: (e) => ({ limit: e.limit }),
    retryAfterSeconds: (e) => e.retryAfterSeconds,
  }),
  // pattern:rate-limit:end
  problemWhen((e) => e instanceof MalformedUrlError && e.status === 414, {
    status: 414,
    slug: 'uri-too-long',
    title: 'URI too long',
  }),
  problemFor(MalformedUrlError, { status: 400, slug: 'malformed-url', title: 'Malformed URL' }),
];

/**
 * Every known error, checked in order; the first that matches decides. The database lib's come
 * last: it recognises driver errors by code and message, and must not take a class of ours.
 */
const known: ProblemDescriptor[] = [
  ...appProblems,
  ...queueProblems, // pattern:queue
  ...resilienceProblems,
  ...databaseProblems,
];

function fromDescriptor(d: ProblemDescriptor, err: Error): Problem {
  const retry = d.retryAfterSeconds && { retryAfterSeconds: d.retryAfterSeconds(err) };
  return problem(d.status, d.slug, d.title, d.detail?.(err) ?? err.message, {
    ...d.extra?.(err),
    ...retry,
  });
}

export function toProblem(err: unknown, bodyLimitBytes: number): Problem {
  if (!(err instanceof Error)) return internal();
  // No error class of ours is an HttpException: Nest's own and Fastify's errors are told apart first.
  if (err instanceof HttpException) return fromHttpException(err, bodyLimitBytes);
  const descriptor = known.find((d) => d.matches(err));
  return descriptor ? fromDescriptor(descriptor, err) : internal();
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
