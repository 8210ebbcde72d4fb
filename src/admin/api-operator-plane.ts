import { applyDecorators } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../openapi/api-responses';
import { SECURITY } from '../openapi/openapi-document';

/** Where an operator-plane operation's `not-found` comes from. */
export const ON_PUBLIC_LISTENER =
  '`not-found` on the public listener: this operation is served on the operator listener (OPERATOR_PORT) only.';

/**
 * What every controller of the operator plane (/v1/admin/*) declares: the admin key, its 401, a
 * 500, and the 404 the public listener answers instead of the operation (src/operator-listener.ts:
 * these operations answer on OPERATOR_PORT only). Add the AdminKeyGuard beside it.
 */
export const ApiOperatorPlane = () =>
  applyDecorators(
    ApiTags('admin'),
    ApiSecurity(SECURITY.admin),
    ApiSecurity(SECURITY.adminHeader),
    ApiProblem(401, ['invalid-admin-key']),
    ApiProblem(404, ['not-found'], ON_PUBLIC_LISTENER),
    ApiProblem(500),
  );
