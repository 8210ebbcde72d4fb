import { ArgumentsHost, Catch, ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { toProblem } from './problem-mapping';
import { MalformedUrlError } from './problem.errors';

/** Sends any error as problem+json; 5xx are logged with their stack, never shown to the client. */
export function sendProblem(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  bodyLimitBytes: number,
  log: Pick<Logger, 'error' | 'warn'>,
): void {
  const body = toProblem(err, bodyLimitBytes);
  body.instance = request.url;
  // A 503 is the service degrading as designed (a dependency down, the queue full): one line.
  if (body.status === 503) log.warn(`${request.method} ${request.url}: ${body.type}`);
  else if (body.status >= 500) log.error(err instanceof Error ? (err.stack ?? err.message) : err);
  if (body.status === 401) reply.header('WWW-Authenticate', 'Bearer');
  if (body.status === 503 || body.status === 429) {
    reply.header('Retry-After', String(body.retryAfterSeconds ?? 1));
  }
  void reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** Nest's side: errors thrown by guards, pipes, controllers and services. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly log = new Logger('Problem');

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(
      err,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.config.env.HTTP_BODY_LIMIT_BYTES,
      this.log,
    );
  }
}

/** Fastify's `frameworkErrors` hook: routing errors, raised before Nest sees the request. */
export function frameworkErrorHandler(config: AppConfig) {
  const log = new Logger('Problem');
  return (err: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply) => {
    const status = err.statusCode === 414 ? 414 : 400;
    const cause = new MalformedUrlError(status, err.message);
    sendProblem(cause, request, reply, config.env.HTTP_BODY_LIMIT_BYTES, log);
  };
}
