export { ResilienceModule } from './resilience.module';
export type {
  ResilienceOptions,
  RateLimitOptions,
  RouteClass,
  RedisDownPolicy,
} from './resilience.options';
export { Breakers } from './breakers';
export type { Breaker, BreakerSettings, BreakerState } from './breakers';
export { CircuitOpenError } from './resilience.errors';
export { RateLimiter } from './rate-limit/rate-limiter';
export { RateLimitGuard } from './rate-limit/rate-limit.guard';
export { RateLimitClass } from './rate-limit/route-class.decorator';
export { RateLimitedError, RateLimitUnavailableError } from './rate-limit/rate-limit.errors';
export { registerLoadShedding, OverloadedError } from './load-shedding';
export { closeWithFastify, drainKeepAliveConnections } from './drain-connections';
export type { LoadSheddingOptions } from './load-shedding';
export {
  breakerSettingsFrom,
  loadSheddingOptionsFrom,
  resilienceConfig,
  resilienceOptionsFrom,
} from './resilience.config';
export { resilienceProblems } from './resilience.problems';
