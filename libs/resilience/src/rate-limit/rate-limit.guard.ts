import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RESILIENCE_OPTIONS } from '../resilience.module-definition';
import type { ResilienceOptions, RouteClass } from '../resilience.options';
import { RateLimitedError } from './rate-limit.errors';
import { RateLimiter } from './rate-limiter';
import { defaultRouteClass, RATE_LIMIT_CLASS } from './route-class.decorator';

/**
 * Spends one request of the tenant's budget for the route's class, and tells the client where it
 * stands (RateLimit-* headers, IETF draft httpapi-ratelimit-headers) on every limited route, so a
 * well-behaved client can slow down before it is refused. Runs after the auth guard: the subject
 * is the tenant it found. A refusal is a RateLimitedError; the headers set here stay on the reply
 * the exception filter sends.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(RESILIENCE_OPTIONS) private readonly options: ResilienceOptions,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { rateLimit } = this.options;
    if (rateLimit.enabled?.() === false) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const subject = rateLimit.subject(request);
    if (subject === undefined) return true;

    const routeClass =
      this.reflector.getAllAndOverride<RouteClass | undefined>(RATE_LIMIT_CLASS, [
        context.getHandler(),
        context.getClass(),
      ]) ?? defaultRouteClass(request.method);
    const decision = await this.limiter.take(subject, routeClass);

    const windowSeconds = Math.max(1, Math.ceil(rateLimit.windowMs / 1000));
    http
      .getResponse<FastifyReply>()
      .header('RateLimit-Limit', decision.limit)
      .header('RateLimit-Remaining', decision.remaining)
      .header('RateLimit-Reset', decision.resetSeconds)
      .header('RateLimit-Policy', `${decision.limit};w=${windowSeconds}`);
    if (!decision.allowed) {
      throw new RateLimitedError(routeClass, decision.limit, decision.retryAfterSeconds);
    }
    return true;
  }
}
