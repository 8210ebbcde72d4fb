import { SetMetadata, type CustomDecorator } from '@nestjs/common';
import type { RouteClass } from '../resilience.options';

export const RATE_LIMIT_CLASS = 'docscale:rate-limit-class';

/**
 * Which budget a route (or every route of a controller) spends, when its method does not say it:
 * `@RateLimitClass('exports')` on an export that is a GET but costs far more than a read.
 */
export function RateLimitClass(routeClass: RouteClass): CustomDecorator<string> {
  return SetMetadata(RATE_LIMIT_CLASS, routeClass);
}

/** The class of a route without the decorator: safe methods read, everything else writes. */
export function defaultRouteClass(method: string): RouteClass {
  return method === 'GET' || method === 'HEAD' ? 'reads' : 'writes';
}
