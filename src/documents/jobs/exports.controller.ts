import { RateLimitClass, RateLimitGuard } from '@docscale/resilience';
import { Controller, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { JobResponse } from '../../jobs/dto/job.response';
import { ApiKeyGuard, CurrentTenant } from '../../tenants/api-key.guard';
import type { Tenant } from '../../tenants/tenants.repository';
import { DocumentId } from '../document-id.pipe';
import { ExportsService } from './exports.service';

@ApiTags('documents')
@ApiBearerAuth()
// The rate limit is per tenant, so it runs after the key is known.
@UseGuards(ApiKeyGuard, RateLimitGuard)
@Controller({ path: 'documents', version: '1' })
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  /**
   * Renders the document's current version to HTML, as a job: 202 and `Location: /v1/jobs/:id`
   * (201 when QUEUE is off and it ran in the request). Asking again for the same version returns
   * the same job. 503 + Retry-After when the queue is too deep or unreachable.
   */
  @Post(':id/exports')
  @RateLimitClass('exports') // heavy work: a budget of its own, much smaller than writes'
  async create(
    @CurrentTenant() tenant: Tenant,
    @Param('id', DocumentId) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobResponse> {
    const { job, queued } = await this.exports.request(tenant.id, id);
    reply.status(queued ? 202 : 201).header('Location', job.links.self);
    return job;
  }
}
