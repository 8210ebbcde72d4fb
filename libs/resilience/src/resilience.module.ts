// pattern:breakers,rate-limit:begin
import { Global, Module, type Provider } from '@nestjs/common';
// pattern:breakers:begin
import { Inject, OnApplicationShutdown } from '@nestjs/common';
import { Breakers } from './breakers';
// pattern:breakers:end
// pattern:rate-limit:begin
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimiter } from './rate-limit/rate-limiter';
// pattern:rate-limit:end
import { ConfigurableResilienceModule, RESILIENCE_OPTIONS } from './resilience.module-definition';

// Each provider goes with its pattern (npm run pattern:remove -- breakers | rate-limit).
const providers: Provider[] = [
  Breakers, // pattern:breakers
  RateLimiter, // pattern:rate-limit
  RateLimitGuard, // pattern:rate-limit
];

@Global()
@Module({
  providers,
  // The options too: controllers' modules instantiate RateLimitGuard, which reads them.
  exports: [...providers, RESILIENCE_OPTIONS],
})
// pattern:breakers:begin
export class ResilienceModule
  extends ConfigurableResilienceModule
  implements OnApplicationShutdown
{
  constructor(@Inject(Breakers) private readonly breakers: Breakers) {
    super();
  }

  onApplicationShutdown(): void {
    this.breakers.stop();
  }
}
// pattern:breakers:else
// export class ResilienceModule extends ConfigurableResilienceModule {}
// pattern:breakers:end
// pattern:breakers,rate-limit:end
