/**
 * What the OpenAPI document says each operation can answer, in one place: the problem+json schema,
 * the problem types behind each status, and the response headers. Controllers compose these
 * decorators; docs/problems.md is the prose behind the problem types (a test checks both name the
 * same types).
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../problems/problem';

export class FieldViolation {
  @ApiProperty({ description: 'The field, `(body)` for the body as a whole.', type: String })
  field!: string;

  @ApiProperty({ type: String })
  reason!: string;
}

/** RFC 9457 problem details, as docscale sends them (`application/problem+json`). */
export class ProblemDetails {
  @ApiProperty({
    description:
      'The problem type, `/problems/<slug>` resolved against the API; stable: clients branch on it. docs/problems.md lists each.',
    type: String,
    format: 'uri-reference',
    example: '/problems/not-found',
  })
  type!: string;

  @ApiProperty({ type: String, example: 'Document not found' })
  title!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 400, maximum: 599, example: 404 })
  status!: number;

  @ApiPropertyOptional({ type: String })
  detail?: string;

  @ApiPropertyOptional({ description: 'The request path.', type: String })
  instance?: string;

  @ApiPropertyOptional({
    description: '`validation-failed`: which field, and why.',
    type: () => [FieldViolation],
  })
  errors?: FieldViolation[];

  @ApiPropertyOptional({
    description: '`version-mismatch`: the version the document is at now.',
    type: 'integer',
    format: 'int32',
  })
  currentVersion?: number;

  @ApiPropertyOptional({
    description: "`job-not-retryable`: the job's state; `api-key-not-active`: the key's.",
    type: String,
  })
  state?: string;

  // pattern:rate-limit:begin
  @ApiPropertyOptional({
    description: '`rate-limited`: the budget spent (`reads`, `writes`, `exports`).',
    type: String,
  })
  routeClass?: string;
  // pattern:rate-limit:end

  @ApiPropertyOptional({
    description:
      '`rate-limited`: the budget per window; `too-many-failed-authentications`: failures allowed per window; `quota-exceeded`: the quota (documents or bytes).',
    type: 'integer',
    format: 'int64',
  })
  limit?: number;

  @ApiPropertyOptional({
    description: '`quota-exceeded`: which quota (`documents`, `bytes`).',
    enum: ['documents', 'bytes'],
  })
  quota?: string;

  @ApiPropertyOptional({
    description: '`quota-exceeded`: what the tenant used of it before the refused write.',
    type: 'integer',
    format: 'int64',
  })
  usage?: number;

  // pattern:breakers:begin
  @ApiPropertyOptional({
    description: '`circuit-open`: the dependency (`primary`, ...).',
    type: String,
  })
  dependency?: string;
  // pattern:breakers:end

  @ApiPropertyOptional({
    description: '`overloaded`: why (`event-loop-delay`, `in-flight`, `export-intake`).',
    type: String,
  })
  reason?: string;

  @ApiPropertyOptional({
    description: "`not-ready`: the readiness report (terminus's).",
    type: 'object',
    additionalProperties: true,
  })
  health?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Problems that know when to come back (429, 503): the same as `Retry-After`.',
    type: 'integer',
    format: 'int32',
    minimum: 0,
  })
  retryAfterSeconds?: number;
}

/** Response headers as OpenAPI describes them. */
type HeadersObject = Record<
  string,
  { description: string; required: boolean; schema: { type: string } }
>;

/** A header sent only in some cases (RateLimit-* only while rate limiting is on). */
const header = (description: string, type: 'string' | 'integer' = 'string') => ({
  description,
  required: false,
  schema: { type },
});
/** A header every response of its status carries. */
const always = (description: string) => ({ ...header(description), required: true });

/** Response headers, by name. */
export const Headers = {
  etag: { ETag: always('The document\'s version as an entity tag: `"<version>"`.') },
  location: { Location: always('Where the created or accepted resource is.') },
  consistencyToken: {
    'X-Consistency-Token': header(
      'Read-your-writes: send it back on reads to see this write (docs/patterns/read-replicas.md).',
    ),
  },
  retryAfter: {
    'Retry-After': { ...header('Seconds to wait before retrying.', 'integer'), required: true },
  },
  // pattern:rate-limit:begin
  rateLimit: {
    'RateLimit-Limit': header("The tenant's budget per window for this route's class.", 'integer'),
    'RateLimit-Remaining': header('Requests left in the window.', 'integer'),
    'RateLimit-Reset': header('Seconds until the budget is full again.', 'integer'),
    'RateLimit-Policy': header('`<limit>;w=<window seconds>`.'),
  },
  // pattern:rate-limit:end
  wwwAuthenticate: { 'WWW-Authenticate': always('`Bearer`.') },
} satisfies Record<string, HeadersObject>;

/** The problem types behind each status, as the document describes them. */
const PROBLEMS: Record<number, { types: string[]; headers?: HeadersObject }> = {
  400: {
    types: [
      'validation-failed',
      'malformed-body',
      'malformed-url',
      'invalid-precondition',
      'invalid-cursor',
      'invalid-consistency-token',
    ],
  },
  401: {
    types: ['missing-api-key', 'invalid-api-key', 'invalid-admin-key'],
    headers: Headers.wwwAuthenticate,
  },
  403: { types: ['quota-exceeded'] },
  404: {
    types: [
      'not-found',
      'job-not-found',
      'artifact-not-found',
      'tenant-not-found',
      'api-key-not-found',
    ],
  },
  409: { types: ['job-not-retryable', 'api-key-not-active'] },
  412: { types: ['version-mismatch'] },
  413: { types: ['payload-too-large'] },
  414: { types: ['uri-too-long'] },
  415: { types: ['unsupported-media-type'] },
  // pattern:rate-limit:begin
  429: {
    types: ['rate-limited', 'too-many-failed-authentications'],
    headers: { ...Headers.retryAfter, ...Headers.rateLimit },
  },
  // pattern:rate-limit:end
  500: { types: ['internal'] },
  503: {
    types: [
      'database-unavailable',
      'dependency-unavailable',
      'queue-full',
      'queue-unavailable',
      'rate-limit-unavailable', // pattern:rate-limit
      'circuit-open', // pattern:breakers
      'overloaded',
      'not-ready',
    ],
    headers: Headers.retryAfter,
  },
};

/** Every problem type the document names, with its status (a test checks docs/problems.md agrees). */
export const DOCUMENTED_PROBLEM_TYPES = Object.entries(PROBLEMS).flatMap(([status, p]) =>
  p.types.map((type) => ({ type, status: Number(status) })),
);

/** `status` answered as a problem, with the types that status can carry here (and when, if `when`). */
export function ApiProblem(status: number, types: string[] = PROBLEMS[status].types, when = '') {
  const known = PROBLEMS[status];
  return ApiResponse({
    status,
    description: `A problem: ${types.map((t) => `\`/problems/${t}\``).join(', ')}.${when && ` ${when}`}`,
    headers: known.headers,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetails) } } },
  });
}

/**
 * What every operation behind the API-key and rate-limit guards can answer besides its own:
 * 401 (no or a bad key), 429 (rate limited, or too many failed authentications from the client's
 * address), 500, and 503 (overloaded, a breaker open, the
 * database or the limiter's Redis unreachable).
 */
export function ApiTenantOperation() {
  return applyDecorators(
    ApiExtraModels(ProblemDetails, FieldViolation),
    ApiProblem(401, ['missing-api-key', 'invalid-api-key']),
    ApiProblem(429), // pattern:rate-limit
    ApiProblem(500),
    ApiProblem(503, [
      'database-unavailable',
      'circuit-open', // pattern:breakers
      'rate-limit-unavailable', // pattern:rate-limit
      'overloaded',
    ]),
  );
}

/**
 * An operation on a path parameter that takes no body (a DELETE, an export, a retry): a body sent
 * is still parsed by Fastify, so it can be refused as malformed (400), too large (413) or of
 * another media type (415), besides the operation's own 400s and the over-long parameter (414).
 */
export const ApiNoBodyOnPath = (...own400: string[]) =>
  applyDecorators(
    ApiProblem(400, [...own400, 'malformed-body', 'malformed-url']),
    ApiProblem(413),
    ApiProblem(414),
    ApiProblem(415),
  );

/** What an operation that reaches the queue's Redis can answer with 503, besides the guards'. */
export const ApiQueueUnavailable = (...more: string[]) =>
  ApiProblem(503, [
    ...more,
    'queue-unavailable',
    'overloaded',
    'database-unavailable',
    'circuit-open', // pattern:breakers
    'rate-limit-unavailable', // pattern:rate-limit
  ]);

/** The optional X-Consistency-Token request header of reads. */
export const ApiConsistencyToken = () =>
  ApiHeader({
    name: 'X-Consistency-Token',
    required: false,
    description:
      'A token a write answered with: the read then sees that write (or newer), whatever replica serves it. Past its expiry (CONSISTENCY_TOKEN_TTL_MS after the write) it is ignored.',
  });
