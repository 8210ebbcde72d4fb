import { RateLimitGuard } from '@docscale/resilience';
import { Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyGuard, CurrentTenant } from '../tenants/api-key.guard';
import type { Tenant } from '../tenants/tenants.repository';
import { JobList, JobResponse } from './dto/job.response';
import { ListJobsQuery } from './dto/list-jobs.query';
import { JobsService } from './jobs.service';
import { JobId } from './job-id.pipe';

@ApiTags('jobs')
@ApiBearerAuth()
// The rate limit is per tenant, so it runs after the key is known.
@UseGuards(ApiKeyGuard, RateLimitGuard)
@Controller({ path: 'jobs', version: '1' })
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  /** The tenant's jobs in one state, newest first (`failed` by default: the ones to replay). */
  @Get()
  async list(@CurrentTenant() tenant: Tenant, @Query() query: ListJobsQuery): Promise<JobList> {
    return { items: await this.jobs.list(tenant.id, query.state, query.limit) };
  }

  @Get(':id')
  find(@CurrentTenant() tenant: Tenant, @Param('id', JobId) id: string): Promise<JobResponse> {
    return this.jobs.find(tenant.id, id);
  }

  /** Replays a failed job with its attempts reset; 409 unless it is failed. */
  @Post(':id/retry')
  @HttpCode(202)
  async retry(
    @CurrentTenant() tenant: Tenant,
    @Param('id', JobId) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobResponse> {
    const job = await this.jobs.retry(tenant.id, id);
    reply.header('Location', job.links.self);
    return job;
  }

  /**
   * An export's HTML. Sent as an attachment under a sandboxing CSP: it is the tenant's own
   * content rendered to HTML, and must not run scripts as this origin if opened in a browser.
   */
  @Get(':id/artifact')
  async artifact(
    @CurrentTenant() tenant: Tenant,
    @Param('id', JobId) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const artifact = await this.jobs.artifact(tenant.id, id);
    reply
      .type(artifact.contentType)
      .header('Content-Disposition', `attachment; filename="${id}.html"`)
      .header('Content-Security-Policy', 'sandbox')
      .header('X-Content-Type-Options', 'nosniff');
    return artifact.content;
  }
}
