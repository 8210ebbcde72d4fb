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
  ApiHeader,
  ApiNoContentResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DocumentId } from '../documents/document-id.pipe';
import { PageQuery } from '../documents/dto/page.query';
import { EntityTag } from '../documents/entity-tag';
import {
  ApiConsistencyToken,
  ApiNoBodyOnPath,
  ApiProblem,
  ApiTenantOperation,
  Headers as H,
} from '../openapi/api-responses';
import { SECURITY } from '../openapi/openapi-document';
import { ValidationError } from '../problems/problem.errors';
import { sendToken, TOKEN_HEADER } from '../store/consistency-header';
import { ApiKeyGuard, CurrentTenant } from '../tenants/api-key.guard';
import type { Tenant } from '../tenants/tenants.repository';
import { CollectionsService } from './collections.service';
import { CollectionPage, CollectionResponse } from './dto/collection.response';
import { CreateCollectionDto } from './dto/create-collection.dto';
import { PatchCollectionDto } from './dto/patch-collection.dto';

const ApiCollectionId = () =>
  ApiParam({ name: 'id', format: 'uuid', description: 'The collection.' });
const ApiIfMatch = () =>
  ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The entity tag the change is based on: 412 if the collection has moved on.',
  });

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
    const { value, token } = await this.collections.create(tenant.id, dto);
    sendToken(reply.status(201).header('Location', `/v1/collections/${value.id}`), token);
    return withTag(value, reply);
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
    @Param('id', DocumentId) id: string,
    @Headers(TOKEN_HEADER) token: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CollectionResponse | Buffer> {
    const { collection, json } = await this.collections.get(tenant.id, id, token);
    withTag(collection, reply);
    if (json === undefined) return collection;
    // The cache's bytes, sent as they are: the same JSON Fastify would have serialized.
    reply.type('application/json; charset=utf-8');
    return json;
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'patchCollection',
    summary: 'Change some fields of a collection',
    description: 'A JSON merge patch (RFC 7396): the fields present change; `null` is refused.',
  })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  @ApiCollectionId()
  @ApiIfMatch()
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
    @Param('id', DocumentId) id: string,
    @Body() dto: PatchCollectionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CollectionResponse> {
    if (dto.name === undefined && dto.description === undefined) {
      throw new ValidationError([{ field: '(body)', reason: 'must change at least one field' }]);
    }
    const expected = EntityTag.parseIfMatch(ifMatch);
    const { value, token } = await this.collections.update(tenant.id, id, dto, expected);
    return withTag(value, sendToken(reply, token));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteCollection', summary: 'Delete a collection' })
  @ApiCollectionId()
  @ApiIfMatch()
  @ApiNoContentResponse({ description: 'Deleted.', headers: { ...H.consistencyToken } })
  @ApiNoBodyOnPath('validation-failed', 'invalid-precondition')
  @ApiProblem(404, ['not-found'])
  @ApiProblem(412)
  async delete(
    @CurrentTenant() tenant: Tenant,
    @Param('id', DocumentId) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const token = await this.collections.delete(tenant.id, id, EntityTag.parseIfMatch(ifMatch));
    sendToken(reply, token);
  }
}

function withTag(collection: CollectionResponse, reply: FastifyReply): CollectionResponse {
  reply.header('ETag', EntityTag.of(collection.version));
  return collection;
}
