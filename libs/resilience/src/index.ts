// pattern:breakers,rate-limit:begin
export { ResilienceModule } from './resilience.module';
export type { ResilienceOptions } from './resilience.options';
// pattern:breakers,rate-limit:end
// pattern:breakers:begin
export { Breakers } from './breakers';
export type { Breaker, BreakerSettings, BreakerState } from './breakers';
export { CircuitOpenError } from './resilience.errors';
export { breakerDefaultsFrom, breakerSettingsFrom } from './resilience.config';
// pattern:breakers:end
// pattern:rate-limit:begin
export type { RateLimitOptions, RouteClass, RedisDownPolicy } from './resilience.options';
export { RateLimiter } from './rate-limit/rate-limiter';
export { RateLimitGuard } from './rate-limit/rate-limit.guard';
export { RateLimitClass } from './rate-limit/route-class.decorator';
export { RateLimitedError, RateLimitUnavailableError } from './rate-limit/rate-limit.errors';
export { rateLimitOptionsFrom } from './resilience.config';
// pattern:rate-limit:end
export { OverloadedError } from './overloaded.error';
export { closeWithFastify, drainKeepAliveConnections } from './drain-connections';
// pattern:shedding:begin
export { registerLoadShedding } from './load-shedding';
export type { LoadSheddingOptions } from './load-shedding';
export { loadSheddingOptionsFrom } from './resilience.config';
// pattern:shedding:end
export { resilienceConfig } from './resilience.config';
export { resilienceProblems } from './resilience.problems';
