import { Controller, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { RateLimitOptions, RouteClass } from '../resilience.options';
import { RateLimitedError, RateLimitUnavailableError } from './rate-limit.errors';
import { RateLimitGuard } from './rate-limit.guard';
import type { RateLimiter, RateLimitDecision } from './rate-limiter';
import { RateLimitClass } from './route-class.decorator';

@Controller()
class DocumentsController {
  @Get() list() {}
  @Post() create() {}
  @Get('export') @RateLimitClass('exports') exportAll() {}
}

@Controller()
@RateLimitClass('exports')
class ExportsController {
  @Post() start() {}
  @Get() @RateLimitClass('reads') status() {}
}

const ALLOWED: RateLimitDecision = {
  allowed: true,
  limit: 100,
  remaining: 41,
  resetSeconds: 3,
  retryAfterSeconds: 0,
  source: 'redis',
};

/** The limiter as the guard sees it: records what it was asked, answers what it is told. */
class FakeLimiter {
  readonly taken: Array<[string, RouteClass]> = [];
  answer: RateLimitDecision | Error = ALLOWED;
  async take(subject: string, routeClass: RouteClass): Promise<RateLimitDecision> {
    this.taken.push([subject, routeClass]);
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

class FakeReply {
  readonly headers: Record<string, string | number> = {};
  header(name: string, value: string | number): this {
    this.headers[name] = value;
    return this;
  }
}

function setup(rateLimit: Partial<RateLimitOptions> = {}) {
  const limiter = new FakeLimiter();
  const options = {
    rateLimit: {
      redisUrl: 'redis://unused',
      windowMs: 60_000,
      limits: { reads: 100, writes: 10, exports: 1, 'auth-failures': 5 },
      subject: (request: unknown) => (request as { tenant?: string }).tenant,
      ...rateLimit,
    },
  };
  const guard = new RateLimitGuard(options, limiter as unknown as RateLimiter, new Reflector());
  const call = async <C>(
    controller: new () => C,
    handler: keyof C,
    method: string,
    tenant?: string,
  ) => {
    const reply = new FakeReply();
    const context = new ExecutionContextHost(
      [{ method, tenant }, reply],
      controller,
      controller.prototype[handler] as () => void,
    );
    const result = await guard.canActivate(context).catch((err: unknown) => err);
    return { result, headers: reply.headers };
  };
  return { limiter, call };
}

describe('RateLimitGuard', () => {
  it('spends from the tenant’s budget and tells the client where it stands', async () => {
    const { limiter, call } = setup();

    const { result, headers } = await call(DocumentsController, 'list', 'GET', 'acme');

    expect(result).toBe(true);
    expect(limiter.taken).toEqual([['acme', 'reads']]);
    expect(headers).toEqual({
      'RateLimit-Limit': 100,
      'RateLimit-Remaining': 41,
      'RateLimit-Reset': 3,
      'RateLimit-Policy': '100;w=60',
    });
  });

  it('refuses a limited request with RateLimitedError, and still sets the headers', async () => {
    const { limiter, call } = setup();
    limiter.answer = { ...ALLOWED, allowed: false, remaining: 0, retryAfterSeconds: 7 };

    const { result, headers } = await call(DocumentsController, 'create', 'POST', 'acme');

    expect(result).toBeInstanceOf(RateLimitedError);
    expect(result).toMatchObject({ routeClass: 'writes', limit: 100, retryAfterSeconds: 7 });
    expect(headers).toMatchObject({ 'RateLimit-Remaining': 0, 'RateLimit-Limit': 100 });
  });

  it.each([
    ['GET', 'reads'],
    ['HEAD', 'reads'],
    ['POST', 'writes'],
    ['PUT', 'writes'],
    ['PATCH', 'writes'],
    ['DELETE', 'writes'],
  ])('classes an undecorated %s as %s', async (method, routeClass) => {
    const { limiter, call } = setup();

    await call(DocumentsController, 'list', method, 'acme');

    expect(limiter.taken).toEqual([['acme', routeClass]]);
  });

  it('uses the class a decorator gives: the handler’s over the controller’s, over the method’s', async () => {
    const { limiter, call } = setup();

    await call(DocumentsController, 'exportAll', 'GET', 'acme');
    await call(ExportsController, 'start', 'POST', 'acme');
    await call(ExportsController, 'status', 'GET', 'acme');

    expect(limiter.taken.map(([, routeClass]) => routeClass)).toEqual([
      'exports',
      'exports',
      'reads',
    ]);
  });

  it('lets everything through without headers while the toggle is off', async () => {
    const { limiter, call } = setup({ enabled: () => false });

    const { result, headers } = await call(DocumentsController, 'list', 'GET', 'acme');

    expect(result).toBe(true);
    expect(limiter.taken).toEqual([]);
    expect(headers).toEqual({});
  });

  it('does not limit a request without a subject', async () => {
    const { limiter, call } = setup();

    const { result, headers } = await call(DocumentsController, 'list', 'GET', undefined);

    expect(result).toBe(true);
    expect(limiter.taken).toEqual([]);
    expect(headers).toEqual({});
  });

  it('passes on the limiter’s refusal to decide (Redis down, policy closed)', async () => {
    const { limiter, call } = setup();
    limiter.answer = new RateLimitUnavailableError(2);

    const { result, headers } = await call(DocumentsController, 'list', 'GET', 'acme');

    expect(result).toBeInstanceOf(RateLimitUnavailableError);
    expect(headers).toEqual({});
  });
});
