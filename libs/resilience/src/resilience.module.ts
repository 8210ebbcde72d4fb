import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Breakers } from './breakers';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimiter } from './rate-limit/rate-limiter';
import { ConfigurableResilienceModule, RESILIENCE_OPTIONS } from './resilience.module-definition';

@Global()
@Module({
  providers: [Breakers, RateLimiter, RateLimitGuard],
  // The options too: controllers' modules instantiate RateLimitGuard, which reads them.
  exports: [Breakers, RateLimiter, RateLimitGuard, RESILIENCE_OPTIONS],
})
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
