import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import { ApiResourceId, ResourceId } from '../http/resource-id.pipe';
import { ApiNoBodyOnPath, ApiProblem } from '../openapi/api-responses';
import { refuseBody } from '../problems/problem.errors';
import { ApiKeysService } from '../tenants/api-keys.service';
import { AdminKeyGuard } from './admin-key.guard';
import { ApiOperatorPlane, ON_PUBLIC_LISTENER } from './api-operator-plane';
import {
  ApiKeyList,
  ApiKeyResponse,
  IssuedApiKeyResponse,
  RotatedApiKeyResponse,
} from './api-keys.response';
import { RotateApiKeyDto } from './rotate-api-key.dto';

const ApiTenant = () =>
  ApiParam({
    name: 'tenant',
    description: "The tenant's name (as `npm run tenant:create` made it).",
  });
const ApiKeyId = () => ApiResourceId('key (from a listing)');

/**
 * A tenant's API keys: create, list, revoke, rotate (docs/api-keys.md). A revocation or rotation
 * reaches every instance within 1 s (an eviction over Redis pub/sub), and AUTH_CACHE_TTL_MS at
 * worst; `npm run key` does the same from a shell.
 */
@ApiOperatorPlane()
@ApiTenant()
// pattern:breakers:begin
@ApiProblem(503, ['database-unavailable', 'circuit-open'])
// pattern:breakers:else
// @ApiProblem(503, ['database-unavailable'])
// pattern:breakers:end
@UseGuards(AdminKeyGuard)
@Controller({ path: 'admin/tenants/:tenant/keys', version: '1' })
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key for a tenant' })
  @ApiResponse({ status: 201, type: IssuedApiKeyResponse, description: 'The key, shown once.' })
  @ApiNoBodyOnPath('validation-failed')
  @ApiProblem(404, ['not-found', 'tenant-not-found'], ON_PUBLIC_LISTENER)
  async create(
    @Param('tenant') tenant: string,
    @Req() request: FastifyRequest,
  ): Promise<IssuedApiKeyResponse> {
    refuseBody(request.body);
    return IssuedApiKeyResponse.issued(await this.keys.create(tenant));
  }

  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: "A tenant's API keys (never the keys)" })
  @ApiResponse({ status: 200, type: ApiKeyList })
  @ApiProblem(400, ['malformed-url'])
  @ApiProblem(404, ['not-found', 'tenant-not-found'], ON_PUBLIC_LISTENER)
  @ApiProblem(414)
  async list(@Param('tenant') tenant: string): Promise<ApiKeyList> {
    return { keys: (await this.keys.list(tenant)).map((k) => ApiKeyResponse.of(k)) };
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key: refused on every instance within 1 s',
  })
  @ApiKeyId()
  @ApiResponse({ status: 200, type: ApiKeyResponse, description: 'The key, now revoked.' })
  @ApiNoBodyOnPath('validation-failed')
  @ApiProblem(404, ['not-found', 'api-key-not-found'], ON_PUBLIC_LISTENER)
  async revoke(
    @Param('tenant') tenant: string,
    @Param('id', ResourceId) id: string,
    @Req() request: FastifyRequest,
  ): Promise<ApiKeyResponse> {
    refuseBody(request.body);
    return ApiKeyResponse.of((await this.keys.revoke(tenant, id)).value);
  }

  @Post(':id/rotate')
  @ApiOperation({
    operationId: 'rotateApiKey',
    summary: 'Replace an API key; the old one works for `overlapSeconds` more',
  })
  @ApiKeyId()
  @ApiResponse({
    status: 201,
    type: RotatedApiKeyResponse,
    description: 'The new key, shown once.',
  })
  @ApiProblem(400, ['validation-failed', 'malformed-body', 'malformed-url'])
  @ApiProblem(404, ['not-found', 'api-key-not-found'], ON_PUBLIC_LISTENER)
  @ApiProblem(409, ['api-key-not-active'])
  @ApiProblem(413)
  @ApiProblem(414)
  @ApiProblem(415)
  async rotate(
    @Param('tenant') tenant: string,
    @Param('id', ResourceId) id: string,
    @Body() dto: RotateApiKeyDto,
  ): Promise<RotatedApiKeyResponse> {
    const { value } = await this.keys.rotate(tenant, id, dto.overlapSeconds);
    return {
      ...IssuedApiKeyResponse.issued(value),
      replaced: { id: value.replaced.id, expiresAt: value.replaced.expiresAt.toISOString() },
    };
  }
}
