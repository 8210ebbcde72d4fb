import { applyDecorators } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../openapi/api-responses';
import { SECURITY } from '../openapi/openapi-document';

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
    ApiProblem(
      404,
      ['not-found'],
      'On the public listener: this operation is served on the operator listener (OPERATOR_PORT) only.',
    ),
    ApiProblem(500),
  );
