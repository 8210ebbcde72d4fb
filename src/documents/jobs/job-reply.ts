/**
 * How a route that starts a job answers (an export, a replay): the job as it stands, with
 * `Location` where to follow it (`GET /v1/jobs/:id`), as the code and the OpenAPI document both say.
 */
import { ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Headers as H } from '../../openapi/api-responses';
import { JobResponse } from './dto/job.response';

/** The job, with its Location; `status` when the route's own (its @HttpCode) does not fit. */
export function jobResponse(
  reply: FastifyReply,
  job: JobResponse,
  status?: 201 | 202,
): JobResponse {
  if (status !== undefined) reply.status(status);
  reply.header('Location', job.links.self);
  return job;
}

/** A job answered by {@link jobResponse}, in the OpenAPI document. */
export const ApiJobResponse = (status: 201 | 202, description: string) =>
  ApiResponse({ status, description, type: JobResponse, headers: { ...H.location } });
