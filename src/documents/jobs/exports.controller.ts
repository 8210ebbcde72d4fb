import { RateLimitClass, RateLimitGuard } from '@docscale/resilience'; // pattern:rate-limit
import { Controller, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  ApiNoBodyOnPath,
  ApiProblem,
  ApiQueueUnavailable,
  ApiTenantOperation,
} from '../../openapi/api-responses';
import { SECURITY } from '../../openapi/openapi-document';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiResourceId, ResourceId } from '../../http/resource-id.pipe';
import { refuseBody } from '../../problems/problem.errors';
import { JobResponse } from './dto/job.response';
import { ApiKeyGuard, CurrentTenant } from '../../tenants/api-key.guard';
import type { Tenant } from '../../tenants/tenants.repository';
import { ExportsService } from './exports.service';
import { ApiJobResponse, jobResponse } from './job-reply';

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
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  /**
   * Renders the document's current version to HTML, as a job: 202 and `Location: /v1/jobs/:id`
   * (201 when QUEUE is off and it ran in the request). Asking again for the same version returns
   * the same job. 503 + Retry-After when the queue is too deep or unreachable.
   */
  @Post(':id/exports')
  @ApiOperation({
    operationId: 'createExport',
    summary: "Export a document's current version to HTML",
    description:
      'Queued as a job: 202 with the job and `Location: /v1/jobs/{jobId}`; asking again for the same version answers the same job. Takes no body (one sent is refused with 400).',
  })
  @ApiResourceId('document')
  @ApiJobResponse(202, 'Accepted: the job, queued.')
  @ApiJobResponse(
    201,
    'Created: with the queue switched off (QUEUE=off), the export ran within the request; the job is complete.',
  )
  @ApiNoBodyOnPath('validation-failed')
  @ApiProblem(404, ['not-found'])
  @ApiQueueUnavailable('queue-full')
  // Heavy work: a budget of its own, much smaller than writes'.
  @RateLimitClass('exports') // pattern:rate-limit
  async create(
    @CurrentTenant() tenant: Tenant,
    @Param('id', ResourceId) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobResponse> {
    refuseBody(request.body);
    const { job, queued } = await this.exports.request(tenant.id, id);
    return jobResponse(reply, job, queued ? 202 : 201);
  }
}
