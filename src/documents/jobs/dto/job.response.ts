import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiNextCursor } from '../../../http/record-properties';

const TIMESTAMP = { type: String, format: 'date-time' } as const;

export class JobLinks {
  @ApiProperty({
    type: String,
    example: '/v1/jobs/export-3f1c7a52-8d0e-4a5b-9c61-2b7e4f0d9a13-v7-html',
  })
  self!: string;

  @ApiPropertyOptional({ type: String, description: 'A completed export: its HTML.' })
  artifact?: string;

  @ApiPropertyOptional({ type: String, description: 'A failed job: where to replay it.' })
  retry?: string;
}

/** A job as `GET /v1/jobs/:id` shows it. */
@ApiExtraModels(JobLinks)
export class JobResponse {
  @ApiProperty({ type: String })
  id!: string;

  /** `index` or `export`. */
  @ApiProperty({ enum: ['index', 'export'] })
  name!: string;

  /**
   * `pending` (in the outbox, not yet queued: Redis was unreachable), `waiting`, `delayed` (a
   * retry's backoff), `active`, `completed` or `failed` (attempts used up; `POST …/retry`).
   */
  @ApiProperty({
    enum: [
      'pending',
      'waiting',
      'waiting-children',
      'prioritized',
      'delayed',
      'active',
      'completed',
      'failed',
      'unknown',
    ],
    description:
      "`pending`: in the outbox, not yet queued (Redis was unreachable); `delayed`: a retry's backoff; `failed`: attempts used up (`POST …/retry`).",
  })
  state!: string;

  /** 0 to 100. */
  @ApiProperty({ type: Number, minimum: 0, maximum: 100 })
  progress!: number;

  /** Attempts that ended (failed or completed). */
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0 })
  attemptsMade!: number;

  @ApiProperty({ type: String, format: 'uuid' })
  documentId!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1 })
  version!: number;

  @ApiPropertyOptional(TIMESTAMP)
  createdAt?: string;

  @ApiPropertyOptional(TIMESTAMP)
  processedAt?: string;

  @ApiPropertyOptional(TIMESTAMP)
  finishedAt?: string;

  @ApiPropertyOptional({ type: String })
  failedReason?: string;

  /** What the job did: `{ outcome: 'applied' | 'skipped', reason?, artifact? }`. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "What the job did: `{ outcome: 'applied' | 'skipped', reason?, artifact? }`.",
  })
  result?: unknown;

  @ApiProperty({ type: () => JobLinks })
  links!: JobLinks;
}

export class JobList {
  @ApiProperty({ type: () => [JobResponse] })
  items!: JobResponse[];

  @ApiNextCursor()
  nextCursor!: string | null;
}
