import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config';
import { InvalidAdminKeyError } from '../problems/problem.errors';
import { readApiKey } from '../tenants/api-key.guard';

/** Admin routes take ADMIN_API_KEY, a key separate from every tenant's. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.expected = digest(config.env.ADMIN_API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    const key = readApiKey(context.switchToHttp().getRequest<FastifyRequest>().headers);
    // Compare digests in constant time: the key's length and content must not leak through timing.
    if (key === undefined || !timingSafeEqual(digest(key), this.expected)) {
      throw new InvalidAdminKeyError();
    }
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
