import { RateLimitClass, RateLimitGuard } from '@docscale/resilience'; // pattern:rate-limit
import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiNoBodyOnPath,
  ApiProblem,
  ApiQueueUnavailable,
  ApiTenantOperation,
} from '../../openapi/api-responses';
import { SECURITY } from '../../openapi/openapi-document';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refuseBody } from '../../problems/problem.errors';
import { ApiKeyGuard, CurrentTenant } from '../../tenants/api-key.guard';
import type { Tenant } from '../../tenants/tenants.repository';
import { JobList, JobResponse } from './dto/job.response';
import { ListJobsQuery } from './dto/list-jobs.query';
import { ApiJobResponse, jobResponse } from './job-reply';
import { JobsService } from './jobs.service';
import { JobId } from './job-id.pipe';

/** The `:id` of every job route, as the document describes it (JobId validates it). */
const ApiJobId = () =>
  ApiParam({
    name: 'id',
    description:
      'The job: `index-<document id>-v<version>` or `export-<document id>-v<version>-html`.',
  });

@ApiTags('jobs')
@ApiSecurity(SECURITY.bearer)
@ApiSecurity(SECURITY.header)
@ApiTenantOperation()
// The rate limit is per tenant, so it runs after the key is known.
// pattern:rate-limit:begin
@UseGuards(ApiKeyGuard, RateLimitGuard)
// pattern:rate-limit:else
// @UseGuards(ApiKeyGuard)
// pattern:rate-limit:end
@Controller({ path: 'jobs', version: '1' })
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  /** The tenant's jobs, newest first, a page at a time; `state` narrows them (e.g. `failed`). */
  @Get()
  @ApiOperation({
    operationId: 'listJobs',
    summary: "List the tenant's jobs, newest first",
    description:
      "Reads the tenant's own job index: other tenants' jobs never appear and never push yours out of a page. Jobs the queue holds (finished ones for `QUEUE_KEEP_COMPLETED_MS` / `QUEUE_KEEP_FAILED_MS`); not those still `pending` in the outbox.",
  })
  @ApiResponse({ status: 200, type: JobList })
  @ApiProblem(400, ['validation-failed', 'invalid-cursor'])
  @ApiQueueUnavailable()
  list(@CurrentTenant() tenant: Tenant, @Query() query: ListJobsQuery): Promise<JobList> {
    return this.jobs.list(tenant.id, query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getJob', summary: 'Read a job' })
  @ApiJobId()
  @ApiResponse({ status: 200, type: JobResponse })
  @ApiProblem(400, ['validation-failed', 'malformed-url'])
  @ApiProblem(414)
  @ApiProblem(404, ['job-not-found'])
  @ApiQueueUnavailable()
  find(@CurrentTenant() tenant: Tenant, @Param('id', JobId) id: string): Promise<JobResponse> {
    return this.jobs.find(tenant.id, id);
  }

  /**
   * Replays a failed job with its attempts reset; 409 unless it is failed. Admitted like a new
   * export: the exports rate class (429) and the queue's depth limit (503 queue-full).
   */
  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'retryJob',
    summary: 'Replay a failed job',
    description:
      'Takes no body (one sent is refused with 400). Admitted like a new export: counted in the `exports` rate class, and refused with 503 `queue-full` while the backlog is at `QUEUE_MAX_DEPTH`.',
  })
  @ApiJobId()
  @ApiJobResponse(202, 'Accepted: the job, queued again with its attempts reset.')
  @ApiNoBodyOnPath('validation-failed')
  @ApiProblem(404, ['job-not-found'])
  @ApiProblem(409)
  @ApiQueueUnavailable('queue-full')
  // A replay is work like a new export: the same budget.
  @RateLimitClass('exports') // pattern:rate-limit
  async retry(
    @CurrentTenant() tenant: Tenant,
    @Param('id', JobId) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobResponse> {
    refuseBody(request.body);
    return jobResponse(reply, await this.jobs.retry(tenant.id, id));
  }

  /**
   * An export's HTML. Sent as an attachment under a sandboxing CSP: it is the tenant's own
   * content rendered to HTML, and must not run scripts as this origin if opened in a browser.
   */
  @Get(':id/artifact')
  @ApiOperation({ operationId: 'getJobArtifact', summary: "A completed export's HTML" })
  @ApiJobId()
  @ApiProduces('text/html')
  @ApiResponse({
    status: 200,
    description: 'The HTML, as an attachment, under `Content-Security-Policy: sandbox`.',
    content: { 'text/html': { schema: { type: 'string' } } },
    headers: {
      'Content-Disposition': {
        description: '`attachment; filename="<job id>.html"`',
        required: true,
        schema: { type: 'string' },
      },
      'Content-Security-Policy': {
        description: '`sandbox`',
        required: true,
        schema: { type: 'string' },
      },
      'X-Content-Type-Options': {
        description: '`nosniff`',
        required: true,
        schema: { type: 'string' },
      },
    },
  })
  @ApiProblem(400, ['validation-failed', 'malformed-url'])
  @ApiProblem(414)
  @ApiProblem(404, ['job-not-found', 'artifact-not-found'])
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
