import type { ApiKeyState } from './api-keys.repository';

export class TenantNotFoundError extends Error {
  constructor(readonly tenant: string) {
    super(`No tenant named "${tenant}" (create one with npm run tenant:create ${tenant}).`);
  }
}

export class ApiKeyNotFoundError extends Error {
  constructor(
    readonly tenant: string,
    readonly id: string,
  ) {
    super(`Tenant "${tenant}" has no API key ${id} (GET its keys to see their ids).`);
  }
}

/** A rotation of a key that no longer works: there is no overlap to give it; create a key instead. */
export class ApiKeyNotActiveError extends Error {
  constructor(
    readonly id: string,
    readonly state: ApiKeyState,
  ) {
    super(
      `API key ${id} is ${state}: only a working key can be rotated; create a new key instead.`,
    );
  }
}
