import { RateLimitGuard } from '@docscale/resilience'; // pattern:rate-limit
import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiConsumes,
  ApiHeader,
  ApiNoContentResponse,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ApiConsistencyToken,
  ApiNoBodyOnPath,
  ApiProblem,
  ApiTenantOperation,
  Headers as H,
} from '../openapi/api-responses';
import { SECURITY } from '../openapi/openapi-document';
import { ApiIfMatch, ConditionalRequests as Conditional } from '../http/conditional-requests';
import { requireChange } from '../http/field-rules';
import { ApiResourceId, ResourceId } from '../http/resource-id.pipe';
import { TOKEN_HEADER } from '../store/consistency-header';
import { ApiKeyGuard, CurrentTenant } from '../tenants/api-key.guard';
import type { Tenant } from '../tenants/tenants.repository';
import type { DocumentFields } from './documents.repository';
import { DocumentsService } from './documents.service';
import { CreateDocumentDto } from './dto/create-document.dto';
import { DocumentPage, DocumentResponse } from './dto/document.response';
import { ListDocumentsQuery } from './dto/list-documents.query';
import { PatchDocumentDto } from './dto/patch-document.dto';
import { ReplaceDocumentDto } from './dto/replace-document.dto';

const ApiDocumentId = () => ApiResourceId('document');

/** What PUT and PATCH have in common: the conditional update of one document. */
const ApiConditionalUpdate = () =>
  applyDecorators(
    ApiDocumentId(),
    ApiIfMatch('document'),
    ApiResponse({
      status: 200,
      type: DocumentResponse,
      headers: { ...H.etag, ...H.consistencyToken },
    }),
    ApiProblem(400, [
      'validation-failed',
      'malformed-body',
      'malformed-url',
      'invalid-precondition',
    ]),
    ApiProblem(403, ['quota-exceeded']),
    ApiProblem(404, ['not-found']),
    ApiProblem(412),
    ApiProblem(413),
    ApiProblem(414),
    ApiProblem(415),
  );

@ApiTags('documents')
@ApiSecurity(SECURITY.bearer)
@ApiSecurity(SECURITY.header)
@ApiTenantOperation()
// The rate limit is per tenant, so it runs after the key is known.
// pattern:rate-limit:begin
@UseGuards(ApiKeyGuard, RateLimitGuard)
// pattern:rate-limit:else
// @UseGuards(ApiKeyGuard)
// pattern:rate-limit:end
@Controller({ path: 'documents', version: '1' })
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post()
  @ApiOperation({ operationId: 'createDocument', summary: 'Create a document' })
  @ApiResponse({
    status: 201,
    description: 'Created: the document, its ETag, Location and a consistency token.',
    type: DocumentResponse,
    headers: { ...H.etag, ...H.location, ...H.consistencyToken },
  })
  @ApiProblem(400, ['validation-failed', 'malformed-body'])
  @ApiProblem(403, ['quota-exceeded'])
  @ApiProblem(413)
  @ApiProblem(415)
  async create(
    @CurrentTenant() tenant: Tenant,
    @Body() dto: CreateDocumentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DocumentResponse> {
    const written = await this.documents.create(tenant.id, dto);
    return Conditional.created(reply, written, `/v1/documents/${written.value.id}`);
  }

  @Get()
  @ApiOperation({
    operationId: 'listDocuments',
    summary: 'List or search documents',
    description: 'Newest first, a page at a time; `tag` filters, `q` searches the full text.',
  })
  @ApiConsistencyToken()
  @ApiResponse({ status: 200, type: DocumentPage })
  @ApiProblem(400, ['validation-failed', 'invalid-cursor', 'invalid-consistency-token'])
  list(
    @CurrentTenant() tenant: Tenant,
    @Query() query: ListDocumentsQuery,
    @Headers(TOKEN_HEADER) token: string | undefined,
  ): Promise<DocumentPage> {
    return this.documents.list(tenant.id, query, token);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getDocument', summary: 'Read a document' })
  @ApiDocumentId()
  @ApiConsistencyToken()
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'Entity tags (or `*`): 304 when the current version is one of them.',
  })
  @ApiResponse({
    status: 200,
    type: DocumentResponse,
    headers: { ...H.etag },
  })
  @ApiResponse({
    status: 304,
    description: 'Not modified: `If-None-Match` names the current version.',
    headers: H.etag,
  })
  @ApiProblem(400, [
    'validation-failed',
    'malformed-url',
    'invalid-precondition',
    'invalid-consistency-token',
  ])
  @ApiProblem(414)
  @ApiProblem(404, ['not-found'])
  async get(
    @CurrentTenant() tenant: Tenant,
    @Param('id', ResourceId) id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Headers(TOKEN_HEADER) token: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DocumentResponse | Buffer | undefined> {
    const { value, json } = await this.documents.get(tenant.id, id, token);
    if (Conditional.notModified(reply, ifNoneMatch, value.version)) return undefined;
    return Conditional.found(reply, value, json);
  }

  @Put(':id')
  @ApiOperation({ operationId: 'replaceDocument', summary: 'Replace a document' })
  @ApiConditionalUpdate()
  async replace(
    @CurrentTenant() tenant: Tenant,
    @Param('id', ResourceId) id: string,
    @Body() dto: ReplaceDocumentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DocumentResponse> {
    const fields = { title: dto.title, body: dto.body, tags: dto.tags ?? [] };
    return this.update(tenant, id, fields, ifMatch, reply);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'patchDocument',
    summary: 'Change some fields of a document',
    description: 'A JSON merge patch (RFC 7396): the fields present change; `null` is refused.',
  })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  @ApiConditionalUpdate()
  async patch(
    @CurrentTenant() tenant: Tenant,
    @Param('id', ResourceId) id: string,
    @Body() dto: PatchDocumentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DocumentResponse> {
    requireChange(dto);
    return this.update(tenant, id, dto, ifMatch, reply);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteDocument', summary: 'Delete a document' })
  @ApiDocumentId()
  @ApiIfMatch('document')
  @ApiNoContentResponse({
    description: 'Deleted.',
    headers: { ...H.consistencyToken },
  })
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
    Conditional.deleted(reply, await this.documents.delete(tenant.id, id, expected));
  }

  /** PUT and PATCH: the conditional update, answered with the new ETag and consistency token. */
  private async update(
    tenant: Tenant,
    id: string,
    fields: Partial<DocumentFields>,
    ifMatch: string | undefined,
    reply: FastifyReply,
  ): Promise<DocumentResponse> {
    const expected = Conditional.expected(ifMatch);
    return Conditional.changed(reply, await this.documents.update(tenant.id, id, fields, expected));
  }
}
