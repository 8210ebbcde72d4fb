/** Small, stable error classes for what a client can get wrong; problem-mapping.ts maps them. */

export class MissingApiKeyError extends Error {
  constructor() {
    super('Send your API key as `Authorization: Bearer <key>` or `X-Api-Key: <key>`.');
  }
}

export class InvalidApiKeyError extends Error {
  constructor() {
    super(
      'The API key is not valid (unknown, revoked, past its rotation overlap, or malformed). Ask for a new one.',
    );
  }
}

// pattern:rate-limit:begin
/**
 * A client address failed authentication RATE_LIMIT_AUTH_FAILURES times within its window: its
 * requests are refused before any key lookup until the budget refills (429 + Retry-After).
 */
export class TooManyFailedAuthenticationsError extends Error {
  constructor(
    /** Failed authentications per window allowed per address (this instance's share while Redis is down). */
    readonly limit: number,
    /** Seconds until one more attempt is allowed. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      `Too many failed authentications from this address (${limit} per window); retry after ${retryAfterSeconds} s with a valid API key.`,
    );
  }
}
// pattern:rate-limit:end

export class InvalidAdminKeyError extends Error {
  constructor() {
    super('This route needs the admin key (ADMIN_API_KEY) as `Authorization: Bearer <key>`.');
  }
}

/** One field that failed validation, named by its JSON path. */
export interface FieldViolation {
  field: string;
  reason: string;
}

export class ValidationError extends Error {
  constructor(readonly violations: FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.reason}`).join('; '));
  }
}

/** A URL Fastify could not route: bad percent-encoding (400) or an over-long parameter (414). */
export class MalformedUrlError extends Error {
  constructor(
    readonly status: 400 | 414,
    detail: string,
  ) {
    super(detail);
  }
}

/** An If-Match or If-None-Match that is not a list of entity tags (src/http/entity-tag.ts). */
export class InvalidPreconditionError extends Error {
  constructor(header: string) {
    super(`${header} must be an entity tag such as "3" (from the ETag header) or *.`);
  }
}

/** A listing's cursor this API did not issue (src/http/page-cursor.ts). */
export class InvalidCursorError extends Error {
  constructor() {
    super('The cursor is not one this API issued; start again without it.');
  }
}

/** A dependency the request needs is down or too slow; the client should retry later. */
export class DependencyUnavailableError extends Error {
  constructor(readonly dependency: string) {
    super(`${dependency} is unavailable right now; retry shortly.`);
  }
}

/** GET /problems/:slug for a slug docs/problems.md does not document. */
export class ProblemTypeNotFoundError extends Error {
  constructor(slug: string) {
    super(`no problem type "${slug}"; docs/problems.md lists them all`);
  }
}

/**
 * For operations that take no body (an export, a retry): one sent is refused rather than ignored,
 * since a client that sends one means something the operation would not do.
 */
export function refuseBody(body: unknown): void {
  if (body !== undefined) {
    throw new ValidationError([{ field: '(body)', reason: 'this operation takes no body' }]);
  }
}
