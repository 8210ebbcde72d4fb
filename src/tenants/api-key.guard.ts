import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MissingApiKeyError, InvalidApiKeyError } from '../problems/problem.errors';
import { FailedAuthLimit } from './failed-auth-limit'; // pattern:rate-limit
import { Tenant } from './tenants.repository';
import { TenantsService } from './tenants.service';

type AuthenticatedRequest = FastifyRequest & { tenant?: Tenant };

/** The key from `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function readApiKey(headers: FastifyRequest['headers']): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1] ?? '';
  }
  const key = headers['x-api-key'];
  return Array.isArray(key) ? key[0] : key;
}

/**
 * Maps the caller's API key to its tenant; every tenant-scoped route sits behind it. A key this
 * instance knows as working is served at once; anything else first passes the limit on failed
 * authentications of the client's address (failed-auth-limit.ts), and a failure spends from it.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly tenants: TenantsService,
    // pattern:rate-limit:begin
    private readonly failures: FailedAuthLimit,
    // pattern:rate-limit:end
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = readApiKey(request.headers);
    let tenant = key === undefined ? undefined : this.tenants.remembered(key);
    if (!tenant) {
      this.failures.refuseIfBlocked(request.ip); // pattern:rate-limit
      if (key !== undefined) tenant = await this.tenants.authenticate(key);
      if (!tenant) {
        await this.failures.failed(request.ip); // pattern:rate-limit
        throw key === undefined ? new MissingApiKeyError() : new InvalidApiKeyError();
      }
    }
    request.tenant = tenant;
    return true;
  }
}

/** The authenticated tenant of the request (only on routes behind ApiKeyGuard). */
export const CurrentTenant = createParamDecorator(
  (_: unknown, context: ExecutionContext): Tenant => {
    const tenant = context.switchToHttp().getRequest<AuthenticatedRequest>().tenant;
    if (!tenant) throw new Error('CurrentTenant used on a route without ApiKeyGuard');
    return tenant;
  },
);
