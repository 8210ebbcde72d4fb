import { LISTABLE_STATES, type ListableState } from '@docscale/queue';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export class ListJobsQuery {
  /** Which jobs: one of waiting, active, delayed, completed, failed. */
  @ApiPropertyOptional({ enum: LISTABLE_STATES, default: 'failed', description: 'Which jobs.' })
  @IsIn(LISTABLE_STATES, { message: `state must be one of ${LISTABLE_STATES.join(', ')}` })
  state: ListableState = 'failed';

  /** 1 to 100, newest first. */
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}
