import { randomUUID } from 'node:crypto';
import { createTenant } from '../../scripts/create-tenant';
import { AppConfig } from '../../src/config';

/** A fresh tenant per suite, so suites never see each other's documents. */
export async function newTenant(label = 'test'): Promise<{ tenantId: string; key: string }> {
  return createTenant(AppConfig.load(), `${label}-${randomUUID()}`);
}
