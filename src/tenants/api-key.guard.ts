import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MissingApiKeyError, InvalidApiKeyError } from '../problems/problem.errors';
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

/** Maps the caller's API key to its tenant; every tenant-scoped route sits behind it. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly tenants: TenantsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = readApiKey(request.headers);
    if (key === undefined) throw new MissingApiKeyError();
    const tenant = await this.tenants.authenticate(key);
    if (!tenant) throw new InvalidApiKeyError();
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
