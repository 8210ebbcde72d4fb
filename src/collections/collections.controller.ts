import { RateLimitGuard } from '@docscale/resilience'; // pattern:rate-limit
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiConsumes,
  ApiNoContentResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiIfMatch, ConditionalRequests as Conditional } from '../http/conditional-requests';
import { requireChange } from '../http/field-rules';
import { PageQuery } from '../http/page.query';
import { ApiResourceId, ResourceId } from '../http/resource-id.pipe';
import {
  ApiConsistencyToken,
  ApiNoBodyOnPath,
  ApiProblem,
  ApiTenantOperation,
  Headers as H,
} from '../openapi/api-responses';
import { SECURITY } from '../openapi/openapi-document';
import { TOKEN_HEADER } from '../store/consistency-header';
import { ApiKeyGuard, CurrentTenant } from '../tenants/api-key.guard';
import type { Tenant } from '../tenants/tenants.repository';
import { CollectionsService } from './collections.service';
import { CollectionPage, CollectionResponse } from './dto/collection.response';
import { CreateCollectionDto } from './dto/create-collection.dto';
import { PatchCollectionDto } from './dto/patch-collection.dto';

const ApiCollectionId = () => ApiResourceId('collection');

/**
 * A tenant's collections: the second resource, built the Nest way (TypeORM), with the same
 * patterns as documents: ETag/If-Match, read-your-writes, the tiered cache.
 */
@ApiTags('collections')
@ApiSecurity(SECURITY.bearer)
@ApiSecurity(SECURITY.header)
@ApiTenantOperation()
// pattern:rate-limit:begin
@UseGuards(ApiKeyGuard, RateLimitGuard)
// pattern:rate-limit:else
// @UseGuards(ApiKeyGuard)
// pattern:rate-limit:end
@Controller({ path: 'collections', version: '1' })
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Post()
  @ApiOperation({ operationId: 'createCollection', summary: 'Create a collection' })
  @ApiResponse({
    status: 201,
    description: 'Created: the collection, its ETag, Location and a consistency token.',
    type: CollectionResponse,
    headers: { ...H.etag, ...H.location, ...H.consistencyToken },
  })
  @ApiProblem(400, ['validation-failed', 'malformed-body'])
  @ApiProblem(413)
  @ApiProblem(415)
  async create(
    @CurrentTenant() tenant: Tenant,
    @Body() dto: CreateCollectionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CollectionResponse> {
    const written = await this.collections.create(tenant.id, dto);
    return Conditional.created(reply, written, `/v1/collections/${written.value.id}`);
  }

  @Get()
  @ApiOperation({ operationId: 'listCollections', summary: 'List collections, newest first' })
  @ApiConsistencyToken()
  @ApiResponse({ status: 200, type: CollectionPage })
  @ApiProblem(400, ['validation-failed', 'invalid-cursor', 'invalid-consistency-token'])
  list(
    @CurrentTenant() tenant: Tenant,
    @Query() query: PageQuery,
    @Headers(TOKEN_HEADER) token: string | undefined,
  ): Promise<CollectionPage> {
    return this.collections.list(tenant.id, query, token);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getCollection', summary: 'Read a collection' })
  @ApiCollectionId()
  @ApiConsistencyToken()
  @ApiResponse({ status: 200, type: CollectionResponse, headers: { ...H.etag } })
  @ApiProblem(400, ['validation-failed', 'malformed-url', 'invalid-consistency-token'])
  @ApiProblem(414)
  @ApiProblem(404, ['not-found'])
  async get(
    @CurrentTenant() tenant: Tenant,
    @Param('id', ResourceId) id: string,
    @Headers(TOKEN_HEADER) token: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CollectionResponse | Buffer> {
    const { value, json } = await this.collections.get(tenant.id, id, token);
    return Conditional.found(reply, value, json);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'patchCollection',
    summary: 'Change some fields of a collection',
    description: 'A JSON merge patch (RFC 7396): the fields present change; `null` is refused.',
  })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  @ApiCollectionId()
  @ApiIfMatch('collection')
  @ApiResponse({
    status: 200,
    type: CollectionResponse,
    headers: { ...H.etag, ...H.consistencyToken },
  })
  @ApiProblem(400, ['validation-failed', 'malformed-body', 'malformed-url', 'invalid-precondition'])
  @ApiProblem(404, ['not-found'])
  @ApiProblem(412)
  @ApiProblem(413)
  @ApiProblem(414)
  @ApiProblem(415)
  async patch(
    @CurrentTenant() tenant: Tenant,
    @Param('id', ResourceId) id: string,
    @Body() dto: PatchCollectionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CollectionResponse> {
    requireChange(dto);
    const expected = Conditional.expected(ifMatch);
    return Conditional.changed(reply, await this.collections.update(tenant.id, id, dto, expected));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteCollection', summary: 'Delete a collection' })
  @ApiCollectionId()
  @ApiIfMatch('collection')
  @ApiNoContentResponse({ description: 'Deleted.', headers: { ...H.consistencyToken } })
  @ApiNoBodyOnPath('validation-failed', 'invalid-precondition')
  @ApiProblem(404, ['not-found'])
  @ApiProblem(412)
  async delete(
    @CurrentTenant() tenant: Tenant,
    @Param('id', ResourceId) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const expected = Conditional.expected(ifMatch);
    Conditional.deleted(reply, await this.collections.delete(tenant.id, id, expected));
  }
}
