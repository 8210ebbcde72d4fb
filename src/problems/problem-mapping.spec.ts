import {
  BadRequestException,
  HttpException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { DocumentNotFoundError, VersionMismatchError } from '../documents/document.errors';
import { OverloadedError } from '@docscale/resilience';
// pattern:breakers:begin
import { CircuitOpenError } from '@docscale/resilience';
// pattern:breakers:end
// pattern:rate-limit:begin
import { RateLimitedError, RateLimitUnavailableError } from '@docscale/resilience';
// pattern:rate-limit:end
import { toProblem } from './problem-mapping';
import {
  DependencyUnavailableError,
  InvalidAdminKeyError,
  InvalidApiKeyError,
  InvalidCursorError,
  InvalidPreconditionError,
  MalformedUrlError,
  MissingApiKeyError,
  ValidationError,
} from './problem.errors';

const BODY_LIMIT = 1234;
const SECRET = 'postgres://docscale:hunter2-s3cr3t@10.0.0.7:5432/docscale';

describe('toProblem', () => {
  // pattern:rate-limit:begin
  it('says when to retry, and what was refused, for rate limits', () => {
    expect(toProblem(new RateLimitedError('reads', 10, 3), BODY_LIMIT)).toMatchObject({
      retryAfterSeconds: 3,
      routeClass: 'reads',
      limit: 10,
    });
  });
  // pattern:rate-limit:end

  // pattern:breakers:begin
  it('says when to retry, and which dependency is spared, for open breakers', () => {
    expect(toProblem(new CircuitOpenError('primary', 2), BODY_LIMIT)).toMatchObject({
      retryAfterSeconds: 2,
      dependency: 'primary',
    });
  });
  // pattern:breakers:end

  it.each<[string, Error, number, string]>([
    [
      'ValidationError',
      new ValidationError([{ field: 'title', reason: 'x' }]),
      400,
      'validation-failed',
    ],
    ['MissingApiKeyError', new MissingApiKeyError(), 401, 'missing-api-key'],
    ['InvalidApiKeyError', new InvalidApiKeyError(), 401, 'invalid-api-key'],
    ['InvalidAdminKeyError', new InvalidAdminKeyError(), 401, 'invalid-admin-key'],
    ['DocumentNotFoundError', new DocumentNotFoundError('d1'), 404, 'not-found'],
    ['VersionMismatchError', new VersionMismatchError('d1', 4), 412, 'version-mismatch'],
    [
      'InvalidPreconditionError',
      new InvalidPreconditionError('If-Match'),
      400,
      'invalid-precondition',
    ],
    ['InvalidCursorError', new InvalidCursorError(), 400, 'invalid-cursor'],
    [
      'DependencyUnavailableError',
      new DependencyUnavailableError('Redis'),
      503,
      'dependency-unavailable',
    ],
    // pattern:rate-limit:begin
    ['RateLimitedError', new RateLimitedError('writes', 200, 3), 429, 'rate-limited'],
    ['RateLimitUnavailableError', new RateLimitUnavailableError(2), 503, 'rate-limit-unavailable'],
    // pattern:rate-limit:end
    // pattern:breakers:begin
    ['CircuitOpenError', new CircuitOpenError('primary', 2), 503, 'circuit-open'],
    // pattern:breakers:end
    ['OverloadedError', new OverloadedError('in-flight', 1), 503, 'overloaded'],
    ['MalformedUrlError 400', new MalformedUrlError(400, 'bad %'), 400, 'malformed-url'],
    ['MalformedUrlError 414', new MalformedUrlError(414, 'too long'), 414, 'uri-too-long'],
  ])('maps %s to %i /problems/%s with its message as detail', (_name, err, status, slug) => {
    expect(toProblem(err, BODY_LIMIT)).toMatchObject({
      status,
      type: `/problems/${slug}`,
      title: expect.any(String),
      detail: err.message,
    });
  });

  it('lists the violations of a ValidationError as errors', () => {
    const violations = [
      { field: 'title', reason: 'must be a string' },
      { field: 'tags', reason: 'must be an array' },
    ];

    expect(toProblem(new ValidationError(violations), BODY_LIMIT).errors).toEqual(violations);
  });

  it('tells a VersionMismatchError client the current version', () => {
    expect(toProblem(new VersionMismatchError('d1', 9), BODY_LIMIT).currentVersion).toBe(9);
  });

  it('maps a database that is down to 503 database-unavailable, not 500', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toProblem(refused, 1024)).toMatchObject({
      status: 503,
      type: '/problems/database-unavailable',
    });
  });

  it('maps a subclass of a known error like its parent', () => {
    class TooOldCursorError extends InvalidCursorError {}

    expect(toProblem(new TooOldCursorError(), BODY_LIMIT).type).toBe('/problems/invalid-cursor');
  });

  it('maps an HttpException 413 to payload-too-large naming the body limit', () => {
    expect(toProblem(new PayloadTooLargeException(), BODY_LIMIT)).toMatchObject({
      status: 413,
      type: '/problems/payload-too-large',
      detail: 'The request body may be at most 1234 bytes.',
    });
  });

  it('maps an HttpException 415 to unsupported-media-type', () => {
    expect(toProblem(new UnsupportedMediaTypeException(), BODY_LIMIT)).toMatchObject({
      status: 415,
      type: '/problems/unsupported-media-type',
      detail: expect.stringContaining('application/json'),
    });
  });

  it('maps an HttpException 400 to malformed-body with its message', () => {
    const err = new BadRequestException('Unexpected end of JSON input');

    expect(toProblem(err, BODY_LIMIT)).toMatchObject({
      status: 400,
      type: '/problems/malformed-body',
      detail: 'Unexpected end of JSON input',
    });
  });

  it('maps an HttpException 404 to not-found for the route', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nowhere'), BODY_LIMIT)).toMatchObject({
      status: 404,
      type: '/problems/not-found',
      detail: 'No such route.',
    });
  });

  it('maps an HttpException 503 to not-ready, keeping the health details', () => {
    const health = { status: 'error', error: { database: { status: 'down' } } };

    expect(toProblem(new ServiceUnavailableException(health), BODY_LIMIT)).toMatchObject({
      status: 503,
      type: '/problems/not-ready',
      health,
    });
  });

  it('maps another 4xx HttpException to bad-request with its status', () => {
    expect(toProblem(new HttpException('Too Many Requests', 429), BODY_LIMIT)).toMatchObject({
      status: 429,
      type: '/problems/bad-request',
    });
  });

  it.each<[string, unknown]>([
    ['an unknown Error', new Error(`connect failed: ${SECRET}`)],
    ['a TypeError', new TypeError(`cannot read ${SECRET}`)],
    ['an HttpException 500', new HttpException(`boom ${SECRET}`, 500)],
    ['an HttpException 502', new HttpException(`upstream ${SECRET}`, 502)],
    ['a thrown string', `raw ${SECRET}`],
    ['a thrown object', { message: SECRET }],
    ['undefined', undefined],
  ])('maps %s to 500 internal and reveals nothing of it', (_case, thrown) => {
    const body = toProblem(thrown, BODY_LIMIT);

    expect(body).toMatchObject({ status: 500, type: '/problems/internal' });
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(JSON.stringify(body)).not.toContain('10.0.0.7');
  });
});
