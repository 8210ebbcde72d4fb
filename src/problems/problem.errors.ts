/** Small, stable error classes for what a client can get wrong; problem-mapping.ts maps them. */

export class MissingApiKeyError extends Error {
  constructor() {
    super('Send your API key as `Authorization: Bearer <key>` or `X-Api-Key: <key>`.');
  }
}

export class InvalidApiKeyError extends Error {
  constructor() {
    super('The API key is not valid (unknown, revoked or malformed). Ask for a new one.');
  }
}

export class InvalidAdminKeyError extends Error {
  constructor() {
    super('This route needs the admin key (ADMIN_API_KEY) as `Authorization: Bearer <key>`.');
  }
}

/** One field that failed validation, named by its JSON path. */
export interface FieldViolation {
  field: string;
  reason: string;
}

export class ValidationError extends Error {
  constructor(readonly violations: FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.reason}`).join('; '));
  }
}
